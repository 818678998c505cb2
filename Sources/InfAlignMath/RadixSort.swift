/// Sorting floating-point numbers by a least-significant-digit radix sort on their IEEE-754 bit patterns.
///
/// Each value is mapped to an unsigned key whose integer order is the numeric order (negative numbers: all bits
/// flipped; non-negative: sign bit flipped), sorted with 8-bit digits, and mapped back. Passes in which every key
/// shares the digit are skipped (common for rewards in a narrow range). Rows shorter than
/// ``insertionSortCutoff`` use an insertion sort on the keys.
///
/// Special values: ±∞ sort to the ends; −0 sorts before +0 (they compare equal, so the output is non-decreasing
/// under `<`); subnormals sort exactly. NaN has no place in an order: it is rejected with
/// ``MathError/nonFinite(row:column:value:)``.
public enum RadixSort {
  /// Rows shorter than this are insertion-sorted.
  public static let insertionSortCutoff = 48

  /// Sorts `buffer` ascending, using `scratch` (at least as long) as the second radix buffer.
  ///
  /// - Parameter row: the row index reported in an error (for batched callers).
  /// - Throws: ``MathError/nonFinite(row:column:value:)`` for the first NaN; `buffer` is then unchanged.
  /// - Complexity: O(n · passes), passes ≤ `MemoryLayout<T>.size`; no heap allocation (histograms live on the
  ///   stack).
  @inlinable
  public static func sort<T: BLASScalar>(
    _ buffer: UnsafeMutableBufferPointer<T>, scratch: UnsafeMutableBufferPointer<T>, row: Int = 0
  ) throws(MathError) {
    let n = buffer.count
    precondition(scratch.count >= n, "radix scratch has \(scratch.count) elements, needs \(n)")
    guard n > 1, let base = buffer.baseAddress, let tmp = scratch.baseAddress else {
      if n == 1, buffer[0].isNaN { throw .nonFinite(row: row, column: 0, value: .nan) }
      return
    }
    for j in 0..<n where base[j].isNaN { throw .nonFinite(row: row, column: j, value: .nan) }
    let keys = UnsafeMutableRawPointer(base).assumingMemoryBound(to: T.BitPattern.self)
    let other = UnsafeMutableRawPointer(tmp).assumingMemoryBound(to: T.BitPattern.self)
    for j in 0..<n { keys[j] = key(base[j]) }
    if n < insertionSortCutoff {
      insertionSort(keys, n)
    } else {
      let sortedIn = lsdRadix(keys, other, n)
      if sortedIn != keys { keys.update(from: sortedIn, count: n) }
    }
    for j in 0..<n { base[j] = T(bitPattern: value(keys[j], T.self)) }
  }

  /// Sorts an array ascending.
  /// - Throws: ``MathError/nonFinite(row:column:value:)`` naming the first NaN (row 0).
  public static func sort<T: BLASScalar>(_ values: inout [T]) throws(MathError) {
    var scratch = [T](repeating: 0, count: values.count)
    try values.withUnsafeMutableBufferPointer { (buf) throws(MathError) in
      try scratch.withUnsafeMutableBufferPointer { (s) throws(MathError) in try sort(buf, scratch: s) }
    }
  }

  // MARK: Keys

  @inlinable @inline(__always)
  static func key<T: BLASScalar>(_ x: T) -> T.BitPattern {
    let bits = x.bitPattern
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

  /// LSD radix sort of `n` keys with 8-bit digits, ping-ponging between `a` and `b`; returns the buffer that
  /// holds the sorted keys.
  @inlinable
  static func lsdRadix<K: FixedWidthInteger & UnsignedInteger>(
    _ a: UnsafeMutablePointer<K>, _ b: UnsafeMutablePointer<K>, _ n: Int
  ) -> UnsafeMutablePointer<K> {
    let digits = K.bitWidth / 8
    return withUnsafeTemporaryAllocation(of: Int.self, capacity: 256 * digits) { hist in
      let h = hist.baseAddress!
      h.initialize(repeating: 0, count: 256 * digits)
      for i in 0..<n {
        var k = a[i]
        for d in 0..<digits {
          h[d * 256 + Int(truncatingIfNeeded: k & 0xFF)] += 1
          k >>= 8
        }
      }
      var src = a, dst = b
      for d in 0..<digits {
        let hd = h + d * 256
        // A pass where one bucket holds every key changes nothing.
        if hd[Int(truncatingIfNeeded: (src[0] >> (8 * d)) & 0xFF)] == n { continue }
        var sum = 0
        for bucket in 0..<256 {
          let c = hd[bucket]
          hd[bucket] = sum
          sum += c
        }
        let shift = 8 * d
        for i in 0..<n {
          let k = src[i]
          let bucket = Int(truncatingIfNeeded: (k >> shift) & 0xFF)
          dst[hd[bucket]] = k
          hd[bucket] += 1
        }
        swap(&src, &dst)
      }
      return src
    }
  }
}
