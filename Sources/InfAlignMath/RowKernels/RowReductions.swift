import RealModule

/// Row-wise reductions over a row-major `rows × columns` matrix, where one row is one prompt's group.
///
/// Every kernel has a raw core over caller-owned buffers (so training code can call it with no copies) and
/// `Matrix` conveniences. Nothing allocates inside the row loop.
///
/// Special values, per row:
/// - `logSumExp` of an all −∞ row (or an empty row) is −∞; of a row containing +∞ it is +∞.
/// - `softmax`/`logSoftmax` of an all −∞ row throw ``MathError/zeroMass(row:)``. A row containing +∞ puts its
///   mass evenly on the +∞ entries (the limit of softmax as those entries grow together).
/// - NaN propagates in the unchecked kernels: the row's result is NaN. The `…Checked` kernels throw
///   ``MathError/nonFinite(row:column:value:)`` naming the first NaN.
///
/// Accuracy: max-shifted, so no overflow for any finite input; relative error a few ulps times `log(columns)`.
///
/// Threads: `max`, `logSumExp`, `softmax` and `logSoftmax` (and their checked forms) split the rows into blocks
/// over `threads` threads (`nil`: ``Threads/count``); results are bit-identical for every thread count, and a
/// throwing kernel throws the error of the lowest failing row, as one thread would.
///
/// Files: this one holds the reductions (one value per row) and the checks; `RowReductions+Softmax.swift` the
/// row-to-row maps; `RowReductions+Primitives.swift` the per-row SIMD primitives both use.
public enum RowReductions {
  /// The maximum of each row; −∞ for an empty row. A NaN anywhere in a row makes that row's result NaN.
  ///
  /// - Complexity: O(rows × columns), vectorized.
  @inlinable
  public static func max<T: BLASScalar>(
    _ x: UnsafeBufferPointer<T>, rows: Int, columns: Int, into out: UnsafeMutableBufferPointer<T>,
    threads: Int? = nil
  ) {
    reduceRows(x, rows: rows, columns: columns, into: out, threads: threads) { rowMax($0, $1) }
  }

  /// The log-sum-exp `log Σ_j exp(x_ij)` of each row, max-shifted.
  ///
  /// - Complexity: O(rows × columns), one `exp` per element.
  @inlinable
  public static func logSumExp<T: BLASScalar>(
    _ x: UnsafeBufferPointer<T>, rows: Int, columns: Int, into out: UnsafeMutableBufferPointer<T>,
    threads: Int? = nil
  ) {
    reduceRows(x, rows: rows, columns: columns, into: out, threads: threads) { rowLogSumExp($0, $1) }
  }

  /// `out[i] = reduce(row i, columns)`; −∞ for every row when `x` has no storage (zero columns).
  @inlinable
  static func reduceRows<T: BLASScalar>(
    _ x: UnsafeBufferPointer<T>, rows: Int, columns: Int, into out: UnsafeMutableBufferPointer<T>,
    threads: Int?, _ reduce: (UnsafePointer<T>, Int) -> T
  ) {
    checkShape(x.count, rows: rows, columns: columns, outCount: out.count, expectedOut: rows)
    guard let base = x.baseAddress else {
      for i in 0..<rows { out[i] = -.infinity }
      return
    }
    ParallelRows.forEach(rows: rows, threads: threads, minimumRows: minimumRows(columns: columns)) { block, _ in
      for i in block { out[i] = reduce(base + i * columns, columns) }
    }
  }

  /// Rows per block so that a block holds at least ~32K elements (tens of microseconds of work), enough to
  /// outweigh waking a thread.
  @inlinable
  static func minimumRows(columns: Int) -> Int { Swift.max(1, 32_768 / Swift.max(1, columns)) }

  /// The mean and variance of each row. `correction` is subtracted from the count in the variance's
  /// denominator (0: population variance, 1: unbiased sample variance).
  ///
  /// Two passes (mean, then centred sum of squares with a compensation term), so large common offsets
  /// (1e8 + small noise) lose no precision.
  /// - Precondition: `columns > correction`.
  /// - Complexity: O(rows × columns).
  @inlinable
  package static func meanAndVariance<T: BLASScalar>(
    _ x: UnsafeBufferPointer<T>, rows: Int, columns: Int, mean: UnsafeMutableBufferPointer<T>,
    variance: UnsafeMutableBufferPointer<T>, correction: Int = 0
  ) {
    checkShape(x.count, rows: rows, columns: columns, outCount: mean.count, expectedOut: rows)
    precondition(variance.count == rows, "variance buffer has \(variance.count) elements, expected \(rows)")
    precondition(columns > correction, "variance needs more than \(correction) columns, got \(columns)")
    guard let src = x.baseAddress else { return }
    for i in 0..<rows {
      let xi = src + i * columns
      let mu = rowSum(xi, columns) / T(columns)
      var ss: T = 0, comp: T = 0
      var j = 0
      var acc = SIMD8<T>.zero, accC = SIMD8<T>.zero
      let m8 = SIMD8<T>(repeating: mu)
      while j + 8 <= columns {
        let d = UnsafeRawPointer(xi + j).loadUnaligned(as: SIMD8<T>.self) - m8
        acc += d * d
        accC += d
        j += 8
      }
      ss = acc.sum()
      comp = accC.sum()
      while j < columns {
        let d = xi[j] - mu
        ss += d * d
        comp += d
        j += 1
      }
      mean[i] = mu
      // Compensated: subtract the squared residual sum, which is ~0 in exact arithmetic.
      variance[i] = (ss - comp * comp / T(columns)) / T(columns - correction)
    }
  }

  /// Throws ``MathError/nonFinite(row:column:value:)`` for the first NaN (and, when `allowInfinity` is false,
  /// the first ±∞) in row-major order. Use before the unchecked kernels when inputs come from users.
  ///
  /// - Complexity: O(rows × columns).
  @inlinable
  public static func checkFinite<T: BLASScalar>(
    _ x: UnsafeBufferPointer<T>, rows: Int, columns: Int, allowInfinity: Bool = false
  ) throws(MathError) {
    precondition(x.count == rows * columns, "input has \(x.count) elements, expected \(rows)×\(columns)")
    guard let base = x.baseAddress else { return }
    if !allowInfinity {
      if let index = firstNonFinite(base, x.count) {
        throw .nonFinite(row: index / columns, column: index % columns, value: Double(base[index]))
      }
      return
    }
    for i in 0..<rows {
      let xi = base + i * columns
      for j in 0..<columns {
        let v = xi[j]
        if v.isNaN || (!allowInfinity && v.isInfinite) {
          throw .nonFinite(row: i, column: j, value: Double(v))
        }
      }
    }
  }

  /// ``logSumExp(_:rows:columns:into:)`` that throws on NaN instead of propagating it (±∞ allowed).
  @inlinable
  package static func logSumExpChecked<T: BLASScalar>(
    _ x: UnsafeBufferPointer<T>, rows: Int, columns: Int, into out: UnsafeMutableBufferPointer<T>,
    threads: Int? = nil
  ) throws(MathError) {
    try checkFinite(x, rows: rows, columns: columns, allowInfinity: true)
    logSumExp(x, rows: rows, columns: columns, into: out, threads: threads)
  }
}

// MARK: - Matrix conveniences

extension RowReductions {
  /// The maximum of each row of `m`.
  @inlinable
  public static func max<T: BLASScalar>(_ m: Matrix<T>, threads: Int? = nil) -> [T] {
    perRow(m) { max($0, rows: m.rows, columns: m.columns, into: $1, threads: threads) }
  }

  /// The log-sum-exp of each row of `m`.
  @inlinable
  public static func logSumExp<T: BLASScalar>(_ m: Matrix<T>, threads: Int? = nil) -> [T] {
    perRow(m) { logSumExp($0, rows: m.rows, columns: m.columns, into: $1, threads: threads) }
  }

  /// The mean and variance of each row of `m` (see ``meanAndVariance(_:rows:columns:mean:variance:correction:)``).
  @inlinable
  package static func meanAndVariance<T: BLASScalar>(
    _ m: Matrix<T>, correction: Int = 0
  ) -> (mean: [T], variance: [T]) {
    var mean = [T](repeating: 0, count: m.rows), variance = [T](repeating: 0, count: m.rows)
    m.withUnsafeBufferPointer { x in
      mean.withUnsafeMutableBufferPointer { mu in
        variance.withUnsafeMutableBufferPointer { v in
          meanAndVariance(x, rows: m.rows, columns: m.columns, mean: mu, variance: v, correction: correction)
        }
      }
    }
    return (mean, variance)
  }

  /// Throws for the first NaN or ±∞ in `m`, naming its row and column.
  @inlinable
  public static func checkFinite<T: BLASScalar>(_ m: Matrix<T>, allowInfinity: Bool = false) throws(MathError) {
    try m.withUnsafeBufferPointer { (x) throws(MathError) in
      try checkFinite(x, rows: m.rows, columns: m.columns, allowInfinity: allowInfinity)
    }
  }

  @inlinable
  static func perRow<T: BLASScalar>(
    _ m: Matrix<T>, _ body: (UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void
  ) -> [T] {
    var out = [T](repeating: 0, count: m.rows)
    m.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { body(x, $0) } }
    return out
  }
}
