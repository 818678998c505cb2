import CInfAlignIO

/// A growable byte block for output, written through a raw pointer: numbers are formatted straight into it.
struct ByteBuffer: ~Copyable {
  private(set) var base: UnsafeMutablePointer<UInt8>
  private(set) var count = 0
  private(set) var capacity: Int

  init(capacity: Int) {
    self.capacity = Swift.max(capacity, 64)
    base = .allocate(capacity: self.capacity)
  }

  deinit { base.deallocate() }

  var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

  mutating func removeAll() { count = 0 }

  /// Makes room for `n` more bytes.
  @inline(__always)
  mutating func reserve(_ n: Int) {
    if count + n > capacity { grow(count + n) }
  }

  private mutating func grow(_ needed: Int) {
    let newCapacity = Swift.max(needed, 2 * capacity)
    let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
    grown.update(from: base, count: count)
    base.deallocate()
    base = grown
    capacity = newCapacity
  }

  @inline(__always)
  mutating func append(_ byte: UInt8) {
    reserve(1)
    base[count] = byte
    count += 1
  }

  mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
    reserve(bytes.count)
    if let source = bytes.baseAddress { (base + count).update(from: source, count: bytes.count) }
    count += bytes.count
  }

  mutating func append(_ bytes: ArraySlice<UInt8>) { bytes.withUnsafeBufferPointer { append($0) } }

  /// ASCII text (keys, punctuation).
  mutating func append(_ text: StaticString) {
    append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
  }

  mutating func append(_ text: String) {
    var text = text
    text.withUTF8 { append($0) }
  }

  /// The shortest digits that round-trip, exactly as `"\(x)"` prints them (the runtime formatter behind
  /// `description`; `NumberTextTests` compares the two on integers, powers of ten, subnormals and random bits).
  mutating func append(number x: Double) {
    reserve(40)
    // The formatter leaves the zero digits of integral values ("1.0", "123456.0") to a buffer pre-filled with
    // '0', as the standard library's own caller prepares it.
    (base + count).initialize(repeating: UInt8(ascii: "0"), count: 40)
    let n = (base + count).withMemoryRebound(to: CChar.self, capacity: 40) {
      Int(swift_float64ToString($0, 40, x, false))
    }
    count += n
  }

  /// An integer in decimal.
  mutating func append(integer value: Int) {
    if value < 0 { append(UInt8(ascii: "-")) }
    var v = value.magnitude, digits = 1
    while v >= 10 {
      v /= 10
      digits += 1
    }
    reserve(digits)
    v = value.magnitude
    for k in stride(from: digits - 1, through: 0, by: -1) {
      base[count + k] = UInt8(ascii: "0") + UInt8(v % 10)
      v /= 10
    }
    count += digits
  }
}
