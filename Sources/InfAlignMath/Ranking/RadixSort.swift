/// Sorting floating-point numbers by a least-significant-digit radix sort on their IEEE-754 bit patterns.
///
/// Each value is mapped to an unsigned key whose integer order is the numeric order (negative numbers: all bits
/// flipped; non-negative: sign bit flipped), sorted with 8-bit (Float) or 11-bit (Double) digits, and mapped back. Passes in which every key
/// shares the digit are skipped (common for rewards in a narrow range). Rows shorter than
/// ``insertionSortCutoff`` use an insertion sort on the keys.
///
/// Special values: ±∞ sort to the ends; −0 sorts before +0 (they compare equal, so the output is non-decreasing
/// under `<`); subnormals sort exactly. NaN has no place in an order: it is rejected with
/// ``MathError/nonFinite(row:column:value:)``.
@usableFromInline package enum RadixSort {
  /// Rows shorter than this are insertion-sorted.
  @usableFromInline package static let insertionSortCutoff = 48

  /// Sorts `buffer` ascending, using `scratch` (at least as long) as the second radix buffer.
  ///
  /// - Parameter row: the row index reported in an error (for batched callers).
  /// - Throws: ``MathError/nonFinite(row:column:value:)`` for the first NaN; `buffer` is then unchanged.
  /// - Complexity: O(n · passes), passes ≤ 4 (Float) or 6 (Double); one histogram allocation (use the
  ///   `histogram:` variant to reuse one across rows).
  @inlinable
  package static func sort<T: BLASScalar>(
    _ buffer: UnsafeMutableBufferPointer<T>, scratch: UnsafeMutableBufferPointer<T>, row: Int = 0
  ) throws(MathError) {
    let histogram = UnsafeMutablePointer<Int32>.allocate(capacity: histogramCapacity(T.self))
    defer { histogram.deallocate() }
    try sort(buffer, scratch: scratch, histogram: histogram, row: row)
  }

  /// Histogram slots needed to sort `T` (all digits' counts).
  @inlinable
  package static func histogramCapacity<T: BLASScalar>(_: T.Type) -> Int {
    let bits = T.BitPattern.bitWidth
    let digitBits = bits > 32 ? 11 : 8
    return (1 << digitBits) * ((bits + digitBits - 1) / digitBits)
  }

  /// ``sort(_:scratch:row:)`` with a caller-provided histogram of ``histogramCapacity(_:)`` slots, so batched
  /// callers allocate it once for all rows.
  @inlinable
  package static func sort<T: BLASScalar>(
    _ buffer: UnsafeMutableBufferPointer<T>, scratch: UnsafeMutableBufferPointer<T>,
    histogram: UnsafeMutablePointer<Int32>, row: Int = 0
  ) throws(MathError) {
    let n = buffer.count
    precondition(scratch.count >= n, "radix scratch has \(scratch.count) elements, needs \(n)")
    precondition(n <= Int(Int32.max), "radix sort handles at most 2^31 − 1 elements per row")
    guard n > 1, let base = buffer.baseAddress, let tmp = scratch.baseAddress else {
      if n == 1, buffer[0].isNaN { throw .nonFinite(row: row, column: 0, value: .nan) }
      return
    }
    for j in 0..<n where base[j].isNaN { throw .nonFinite(row: row, column: j, value: .nan) }
    // The values are sorted as their bit patterns in place: both buffers are rebound to `T.BitPattern` (same size
    // and alignment) for the sort, and each key is mapped back to the bit pattern of its value before the
    // buffers return to `T`.
    base.withMemoryRebound(to: T.BitPattern.self, capacity: n) { keys in
      tmp.withMemoryRebound(to: T.BitPattern.self, capacity: n) { other in
        for j in 0..<n { keys[j] = key(bitPattern: keys[j], T.self) }
        if n < insertionSortCutoff {
          insertionSort(keys, n)
        } else {
          let sortedIn = lsdRadix(keys, other, n, histogram: histogram)
          if sortedIn != keys { keys.update(from: sortedIn, count: n) }
        }
        for j in 0..<n { keys[j] = value(keys[j], T.self) }
      }
    }
  }

  /// Sorts an array ascending.
  /// - Throws: ``MathError/nonFinite(row:column:value:)`` naming the first NaN (row 0).
  @inlinable
  package static func sort<T: BLASScalar>(_ values: inout [T]) throws(MathError) {
    var scratch = [T](repeating: 0, count: values.count)
    try values.withUnsafeMutableBufferPointer { (buf) throws(MathError) in
      try scratch.withUnsafeMutableBufferPointer { (s) throws(MathError) in try sort(buf, scratch: s) }
    }
  }

  // MARK: Keys

  @inlinable @inline(__always)
  static func key<T: BLASScalar>(bitPattern bits: T.BitPattern, _: T.Type) -> T.BitPattern {
    let signBit = T.BitPattern(1) << (T.BitPattern.bitWidth - 1)
    return bits & signBit != 0 ? ~bits : bits | signBit
  }

  @inlinable @inline(__always)
  static func value<T: BLASScalar>(_ k: T.BitPattern, _: T.Type) -> T.BitPattern {
    let signBit = T.BitPattern(1) << (T.BitPattern.bitWidth - 1)
    return k & signBit != 0 ? k & ~signBit : ~k
  }

  @inlinable
  static func insertionSort<K: FixedWidthInteger>(_ a: UnsafeMutablePointer<K>, _ n: Int) {
    for i in 1..<n {
      let v = a[i]
      var j = i
      while j > 0 && a[j - 1] > v {
        a[j] = a[j - 1]
        j -= 1
      }
      a[j] = v
    }
  }

  /// LSD radix sort of `n` keys with `digitBits`-bit digits (8 for 32-bit keys: 4 passes; 11 for 64-bit keys:
  /// 6 passes), ping-ponging between `a` and `b`; returns the buffer that holds the sorted keys.
  @inlinable
  static func lsdRadix<K: FixedWidthInteger & UnsignedInteger>(
    _ a: UnsafeMutablePointer<K>, _ b: UnsafeMutablePointer<K>, _ n: Int, histogram h: UnsafeMutablePointer<Int32>
  ) -> UnsafeMutablePointer<K> {
    let digitBits = K.bitWidth > 32 ? 11 : 8
    let radix = 1 << digitBits
    let mask = K(radix - 1)
    let digits = (K.bitWidth + digitBits - 1) / digitBits
    do {
      h.update(repeating: 0, count: radix * digits)
      for i in 0..<n {
        var k = a[i]
        for d in 0..<digits {
          h[d * radix + Int(truncatingIfNeeded: k & mask)] &+= 1
          k >>= K(digitBits)
        }
      }
      var src = a, dst = b
      for d in 0..<digits {
        let hd = h + d * radix
        let shift = K(digitBits * d)
        // A pass where one bucket holds every key changes nothing.
        if Int(hd[Int(truncatingIfNeeded: (src[0] >> shift) & mask)]) == n { continue }
        var sum: Int32 = 0
        for bucket in 0..<radix {
          let c = hd[bucket]
          hd[bucket] = sum
          sum &+= c
        }
        for i in 0..<n {
          let k = src[i]
          let bucket = Int(truncatingIfNeeded: (k >> shift) & mask)
          dst[Int(hd[bucket])] = k
          hd[bucket] &+= 1
        }
        swap(&src, &dst)
      }
      return src
    }
  }
}
