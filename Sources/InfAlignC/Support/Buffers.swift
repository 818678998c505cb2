#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import InfAlignSolvers

/// Checks of caller-supplied pointers and lengths at the boundary: what a Swift caller meets as a `precondition`
/// (a negative length, a product that overflows, a missing buffer) becomes a ``BoundaryError`` here.
enum Buffers {
  /// `value` as a non-negative `Int`.
  static func count(_ value: Int64, _ name: String) throws(BoundaryError) -> Int {
    guard value >= 0 else { throw BoundaryError("\(name) = \(value) is negative") }
    guard let n = Int(exactly: value) else { throw BoundaryError("\(name) = \(value) does not fit this platform") }
    return n
  }

  /// `a × b` without overflow (the element count of a dense `a × b` buffer).
  static func product(_ a: Int, _ b: Int, _ what: String) throws(BoundaryError) -> Int {
    let (n, overflow) = a.multipliedReportingOverflow(by: b)
    guard !overflow, n < Int.max / 16 else { throw BoundaryError("\(what) \(a) × \(b) is too large") }
    return n
  }

  /// `count` elements at `pointer`; NULL is allowed only for no elements.
  static func input<T>(_ pointer: UnsafePointer<T>?, _ count: Int, _ name: String) throws(BoundaryError)
    -> UnsafeBufferPointer<T>
  {
    if pointer == nil && count > 0 { throw BoundaryError("\(name) is NULL but should hold \(count) elements") }
    return UnsafeBufferPointer(start: pointer, count: count)
  }

  /// `count` writable elements at `pointer`; NULL is allowed only for no elements.
  static func output<T>(_ pointer: UnsafeMutablePointer<T>?, _ count: Int, _ name: String) throws(BoundaryError)
    -> UnsafeMutableBufferPointer<T>
  {
    if pointer == nil && count > 0 { throw BoundaryError("\(name) is NULL but should hold \(count) elements") }
    return UnsafeMutableBufferPointer(start: pointer, count: count)
  }

  /// An optional output: NULL means "not wanted".
  static func optionalOutput<T>(_ pointer: UnsafeMutablePointer<T>?, _ count: Int) -> UnsafeMutableBufferPointer<T>? {
    pointer.map { UnsafeMutableBufferPointer(start: $0, count: count) }
  }

  /// A required pointer to one result.
  static func required<T>(_ pointer: UnsafeMutablePointer<T>?, _ name: String) throws(BoundaryError)
    -> UnsafeMutablePointer<T>
  {
    guard let pointer else { throw BoundaryError("\(name) is NULL") }
    return pointer
  }

  /// A required pointer to a C result struct (`infalign_point *`, `infalign_interval *`, …), written with
  /// ``store(_:_:into:)``.
  static func record(_ pointer: UnsafeMutableRawPointer?, _ name: String) throws(BoundaryError) -> UnsafeMutableRawPointer {
    guard let pointer else { throw BoundaryError("\(name) is NULL") }
    return pointer
  }

  /// A NUL-terminated UTF-8 string, validated: bytes that are not UTF-8 (a stray continuation byte, a sequence cut
  /// short, an overlong form, a surrogate, a code point above U+10FFFF) are an error naming the argument and the
  /// offset of the first bad byte, never replaced by U+FFFD, so the text a parser sees is the text the caller
  /// passed or nothing. (A C string cannot hold a NUL: text after one never reaches the library; the Python
  /// package refuses such text before the call.)
  static func text(_ pointer: UnsafePointer<CChar>?, _ name: String) throws(BoundaryError) -> String {
    guard let pointer else { throw BoundaryError("\(name) is NULL") }
    let bytes = UnsafeRawBufferPointer(start: pointer, count: strlen(pointer))
    if let offset = firstInvalidUTF8(bytes) {
      let hex = String(bytes[offset], radix: 16, uppercase: true)
      throw BoundaryError("\(name) is not valid UTF-8 at byte \(offset) (0x\(hex.count < 2 ? "0" : "")\(hex))")
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The offset of the first byte of the first ill-formed UTF-8 sequence in `bytes`, or `nil` when all are valid.
  static func firstInvalidUTF8(_ bytes: UnsafeRawBufferPointer) -> Int? {
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var offset = 0
    while true {
      switch parser.parseScalar(from: &iterator) {
      case .valid(let scalar): offset += scalar.count
      case .emptyInput: return nil
      case .error: return offset
      }
    }
  }

  /// `prompts + 1` offsets at `pointer` that start at 0 and never decrease, as `Int`s (the ragged layout: prompt
  /// `b` owns `offsets[b] ..< offsets[b + 1]`). Returns the offsets and their total `offsets[prompts]`.
  static func offsets(_ pointer: UnsafePointer<Int64>?, _ prompts: Int, _ name: String) throws(BoundaryError)
    -> UnsafeBufferPointer<Int>
  {
    guard let pointer else { throw BoundaryError("\(name) is NULL but should hold \(prompts + 1) offsets") }
    if pointer[0] != 0 { throw BoundaryError("\(name)[0] = \(pointer[0]), must be 0") }
    for b in 0..<prompts where pointer[b + 1] < pointer[b] {
      throw BoundaryError("\(name) decrease at prompt \(b): \(pointer[b]) then \(pointer[b + 1])")
    }
    if pointer[prompts] >= Int64(Int.max / 16) { throw BoundaryError("\(name)[\(prompts)] = \(pointer[prompts]) is too large") }
    // int64_t and Int have the same layout on the 64-bit platforms this library supports.
    return UnsafeRawPointer(pointer).withMemoryRebound(to: Int.self, capacity: prompts + 1) {
      UnsafeBufferPointer(start: $0, count: prompts + 1)
    }
  }

  /// Calibration flags (`INFALIGN_LEAVE_ONE_OUT` = 1, `INFALIGN_SMOOTHING` = 2).
  static func calibrationOptions(_ flags: Int32) throws(BoundaryError) -> CalibrationOptions {
    guard flags & ~3 == 0 else { throw BoundaryError("flags = \(flags) has bits other than LEAVE_ONE_OUT | SMOOTHING") }
    return CalibrationOptions(leaveOneOut: flags & 1 != 0, smoothing: flags & 2 != 0)
  }

  /// Writes `values` then `integers` into a C struct of that many `double` then `int64_t` fields (no padding: all
  /// fields are 8 bytes), as declared in the header.
  static func store(_ values: [Double], _ integers: [Int64] = [], into raw: UnsafeMutableRawPointer) {
    for (i, v) in values.enumerated() { raw.storeBytes(of: v, toByteOffset: 8 * i, as: Double.self) }
    for (i, v) in integers.enumerated() {
      raw.storeBytes(of: v, toByteOffset: 8 * (values.count + i), as: Int64.self)
    }
  }

  /// Copies `text` into `buffer` (NUL-terminated, truncated to `capacity − 1` bytes) and its full UTF-8 length into
  /// `length`: the describe functions' contract.
  static func copy(
    _ text: String, to buffer: UnsafeMutablePointer<CChar>?, capacity: Int64, length: UnsafeMutablePointer<Int64>?
  ) throws(BoundaryError) {
    let capacity = try count(capacity, "capacity")
    let utf8 = Array(text.utf8)
    length?.pointee = Int64(utf8.count)
    guard capacity > 0 else { return }
    guard let buffer else { throw BoundaryError("buffer is NULL but capacity is \(capacity)") }
    let n = Swift.min(utf8.count, capacity - 1)
    for i in 0..<n { buffer[i] = CChar(bitPattern: utf8[i]) }
    buffer[n] = 0
  }
}
