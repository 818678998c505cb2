extension RowReductions {
  /// The index of the first NaN or ±∞ in `x[0..<n]`, or `nil` when all are finite.
  ///
  /// Vectorized: `x·0` is 0 for finite `x` and NaN otherwise, so a SIMD sum of `x·0` over a block is NaN exactly
  /// when the block holds a non-finite value; only that block is then scanned element by element.
  ///
  /// - Complexity: O(n), one multiply-add per element.
  @inlinable
  package static func firstNonFinite<T: BLASScalar>(_ x: UnsafePointer<T>, _ n: Int) -> Int? {
    let block = 64
    var start = 0
    while start < n {
      let end = Swift.min(n, start + block)
      var j = start
      var acc = SIMD8<T>.zero
      while j + 8 <= end {
        acc += UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<T>.self) * 0
        j += 8
      }
      var tail: T = 0
      while j < end {
        tail += x[j] * 0
        j += 1
      }
      if !(acc.sum() + tail).isFinite {
        for i in start..<end where !x[i].isFinite { return i }
      }
      start = end
    }
    return nil
  }
}
