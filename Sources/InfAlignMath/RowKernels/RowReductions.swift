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

  /// The softmax of each row into `out` (`rows × columns`). `out` may be the same memory as `x` (in place).
  ///
  /// - Throws: ``MathError/zeroMass(row:)`` for an all −∞ (or empty) row.
  /// - Complexity: O(rows × columns), one `exp` per element.
  @inlinable
  public static func softmax<T: BLASScalar>(
    _ x: UnsafeBufferPointer<T>, rows: Int, columns: Int, into out: UnsafeMutableBufferPointer<T>,
    threads: Int? = nil
  ) throws(MathError) {
    checkShape(x.count, rows: rows, columns: columns, outCount: out.count, expectedOut: rows * columns)
    guard let src = x.baseAddress, let dst = out.baseAddress else {
      if rows > 0 { throw .zeroMass(row: 0) }
      return
    }
    try ParallelRows.forEach(rows: rows, threads: threads, minimumRows: minimumRows(columns: columns)) {
      (block, _) throws(MathError) in try softmaxRows(block, src, dst, columns)
    }
  }

  /// Softmax of rows `block` (see ``softmax(_:rows:columns:into:threads:)``).
  @inlinable
  static func softmaxRows<T: BLASScalar>(
    _ block: Range<Int>, _ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, _ columns: Int
  ) throws(MathError) {
    for i in block {
      let xi = src + i * columns, oi = dst + i * columns
      let m = rowMax(xi, columns)
      if m == -.infinity { throw .zeroMass(row: i) }
      if m.isNaN {
        for j in 0..<columns { oi[j] = .nan }
        continue
      }
      if m == .infinity {
        var count = 0
        for j in 0..<columns where xi[j] == .infinity { count += 1 }
        let share = 1 / T(count)
        for j in 0..<columns { oi[j] = xi[j] == .infinity ? share : 0 }
        continue
      }
      let sum = expShiftedSum(xi, columns, shift: m, store: oi)
      scale(oi, columns, by: 1 / sum)
    }
  }

  /// The log-softmax `x_ij − logsumexp_j(x_ij)` of each row into `out`; may be in place.
  ///
  /// Entries equal to −∞ stay −∞. A row with +∞ entries gets `−log(count)` on those and −∞ elsewhere.
  /// - Throws: ``MathError/zeroMass(row:)`` for an all −∞ (or empty) row.
  /// - Complexity: O(rows × columns), one `exp` per element.
  @inlinable
  public static func logSoftmax<T: BLASScalar>(
    _ x: UnsafeBufferPointer<T>, rows: Int, columns: Int, into out: UnsafeMutableBufferPointer<T>,
    threads: Int? = nil
  ) throws(MathError) {
    checkShape(x.count, rows: rows, columns: columns, outCount: out.count, expectedOut: rows * columns)
    guard let src = x.baseAddress, let dst = out.baseAddress else {
      if rows > 0 { throw .zeroMass(row: 0) }
      return
    }
    try ParallelRows.forEach(rows: rows, threads: threads, minimumRows: minimumRows(columns: columns)) {
      (block, _) throws(MathError) in try logSoftmaxRows(block, src, dst, columns)
    }
  }

  /// Log-softmax of rows `block` (see ``logSoftmax(_:rows:columns:into:threads:)``).
  @inlinable
  static func logSoftmaxRows<T: BLASScalar>(
    _ block: Range<Int>, _ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, _ columns: Int
  ) throws(MathError) {
    for i in block {
      let xi = src + i * columns, oi = dst + i * columns
      let m = rowMax(xi, columns)
      if m == -.infinity { throw .zeroMass(row: i) }
      if m == .infinity {
        var count = 0
        for j in 0..<columns where xi[j] == .infinity { count += 1 }
        let logShare = -T.log(T(count))
        for j in 0..<columns { oi[j] = xi[j] == .infinity ? logShare : -.infinity }
        continue
      }
      let lse = m.isNaN ? T.nan : m + T.log(expShiftedSum(xi, columns, shift: m, store: nil))
      subtract(xi, columns, lse, into: oi)
    }
  }

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

  /// The softmax of each row of `m`.
  /// - Throws: ``MathError/zeroMass(row:)`` for an all −∞ row.
  @inlinable
  public static func softmax<T: BLASScalar>(_ m: Matrix<T>, threads: Int? = nil) throws(MathError) -> Matrix<T> {
    var out = m
    try out.withUnsafeMutableBufferPointer { (buf) throws(MathError) in
      try softmax(UnsafeBufferPointer(buf), rows: m.rows, columns: m.columns, into: buf, threads: threads)
    }
    return out
  }

  /// The log-softmax of each row of `m`.
  /// - Throws: ``MathError/zeroMass(row:)`` for an all −∞ row.
  @inlinable
  public static func logSoftmax<T: BLASScalar>(_ m: Matrix<T>, threads: Int? = nil) throws(MathError) -> Matrix<T> {
    var out = m
    try out.withUnsafeMutableBufferPointer { (buf) throws(MathError) in
      try logSoftmax(UnsafeBufferPointer(buf), rows: m.rows, columns: m.columns, into: buf, threads: threads)
    }
    return out
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

// MARK: - Row primitives (SIMD)

extension RowReductions {
  @inlinable
  static func checkShape(_ count: Int, rows: Int, columns: Int, outCount: Int, expectedOut: Int) {
    precondition(rows >= 0 && columns >= 0, "negative shape \(rows)×\(columns)")
    precondition(count == rows * columns, "input has \(count) elements, expected \(rows)×\(columns)")
    precondition(outCount == expectedOut, "output has \(outCount) elements, expected \(expectedOut)")
  }

  /// Max of one row; NaN if the row holds a NaN; −∞ if empty.
  ///
  /// At AVX2 or AVX-512 (``VectorISA/active``) this is a C kernel. The portable path below uses four independent
  /// scalar accumulators (compiled to `maxsd`/`maxss` chains that pipeline; generic SIMD masks measured 1.6×
  /// slower here). A NaN never wins a `>` comparison, so NaN is detected separately.
  @inlinable
  static func rowMax<T: BLASScalar>(_ x: UnsafePointer<T>, _ n: Int, isa: VectorISA = .active) -> T {
    if isa != .baseline { return T.wideRowMax(isa, x, n) }
    var m0 = -T.infinity, m1 = m0, m2 = m0, m3 = m0
    var sawNaN = false
    var j = 0
    while j + 4 <= n {
      let a = x[j], b = x[j + 1], c = x[j + 2], d = x[j + 3]
      m0 = a > m0 ? a : m0
      m1 = b > m1 ? b : m1
      m2 = c > m2 ? c : m2
      m3 = d > m3 ? d : m3
      sawNaN = sawNaN || (a != a) || (b != b) || (c != c) || (d != d)
      j += 4
    }
    while j < n {
      let a = x[j]
      m0 = a > m0 ? a : m0
      sawNaN = sawNaN || (a != a)
      j += 1
    }
    if sawNaN { return .nan }
    return Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
  }

  @inlinable
  static func rowSum<T: BLASScalar>(_ x: UnsafePointer<T>, _ n: Int) -> T {
    var j = 0
    var acc = SIMD8<T>.zero
    while j + 8 <= n {
      acc += UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<T>.self)
      j += 8
    }
    var s = acc.sum()
    while j < n {
      s += x[j]
      j += 1
    }
    return s
  }

  /// `Σ exp(x_j − shift)`, optionally storing each term into `store`.
  @inlinable
  static func rowLogSumExp<T: BLASScalar>(_ x: UnsafePointer<T>, _ n: Int) -> T {
    let m = rowMax(x, n)
    if !m.isFinite { return m }  // NaN, +∞ or −∞ (empty / all −∞)
    return m + T.log(expShiftedSum(x, n, shift: m, store: nil))
  }

  @inlinable
  static func expShiftedSum<T: BLASScalar>(
    _ x: UnsafePointer<T>, _ n: Int, shift: T, store: UnsafeMutablePointer<T>?
  ) -> T {
    T.expShiftedSum(x, n, shift: shift, store: store, isa: .active)
  }

  @inlinable
  static func scale<T: BLASScalar>(_ x: UnsafeMutablePointer<T>, _ n: Int, by factor: T) {
    var j = 0
    let f8 = SIMD8<T>(repeating: factor)
    while j + 8 <= n {
      let raw = UnsafeMutableRawPointer(x + j)
      raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<T>.self) * f8, as: SIMD8<T>.self)
      j += 8
    }
    while j < n {
      x[j] *= factor
      j += 1
    }
  }

  @inlinable
  static func subtract<T: BLASScalar>(_ x: UnsafePointer<T>, _ n: Int, _ c: T, into out: UnsafeMutablePointer<T>) {
    var j = 0
    let c8 = SIMD8<T>(repeating: c)
    while j + 8 <= n {
      let v = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<T>.self) - c8
      UnsafeMutableRawPointer(out + j).storeBytes(of: v, as: SIMD8<T>.self)
      j += 8
    }
    while j < n {
      out[j] = x[j] - c
      j += 1
    }
  }
}
