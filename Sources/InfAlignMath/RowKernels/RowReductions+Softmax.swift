import RealModule

// Softmax and log-softmax of each row: one driver (shape check, empty input, row blocks over threads) runs the
// row kernel of either.
extension RowReductions {
  /// The softmax of each row into `out` (`rows × columns`). `out` may be the same memory as `x` (in place).
  ///
  /// - Throws: ``MathError/zeroMass(row:)`` for an all −∞ (or empty) row.
  /// - Complexity: O(rows × columns), one `exp` per element.
  @inlinable
  public static func softmax<T: BLASScalar>(
    _ x: UnsafeBufferPointer<T>, rows: Int, columns: Int, into out: UnsafeMutableBufferPointer<T>,
    threads: Int? = nil
  ) throws(MathError) {
    try mapRows(x, rows: rows, columns: columns, into: out, threads: threads, softmaxRows)
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
    try mapRows(x, rows: rows, columns: columns, into: out, threads: threads, logSoftmaxRows)
  }

  /// The softmax of each row of `m`.
  /// - Throws: ``MathError/zeroMass(row:)`` for an all −∞ row.
  @inlinable
  public static func softmax<T: BLASScalar>(_ m: Matrix<T>, threads: Int? = nil) throws(MathError) -> Matrix<T> {
    try mapRows(m, threads: threads, softmaxRows)
  }

  /// The log-softmax of each row of `m`.
  /// - Throws: ``MathError/zeroMass(row:)`` for an all −∞ row.
  @inlinable
  public static func logSoftmax<T: BLASScalar>(_ m: Matrix<T>, threads: Int? = nil) throws(MathError) -> Matrix<T> {
    try mapRows(m, threads: threads, logSoftmaxRows)
  }

  /// A row kernel: computes rows `block` of `src` (`columns` each) into the same rows of `dst`.
  @usableFromInline
  typealias RowKernel<T> = (
    _ block: Range<Int>, _ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, _ columns: Int
  ) throws(MathError) -> Void

  /// Runs `kernel` over `x`'s rows into `out` (same shape, may alias), in row blocks over `threads` threads.
  /// An input with rows but no storage (zero columns) throws ``MathError/zeroMass(row:)`` for row 0.
  @inlinable
  static func mapRows<T: BLASScalar>(
    _ x: UnsafeBufferPointer<T>, rows: Int, columns: Int, into out: UnsafeMutableBufferPointer<T>,
    threads: Int?, _ kernel: RowKernel<T>
  ) throws(MathError) {
    checkShape(x.count, rows: rows, columns: columns, outCount: out.count, expectedOut: rows * columns)
    guard let src = x.baseAddress, let dst = out.baseAddress else {
      if rows > 0 { throw .zeroMass(row: 0) }
      return
    }
    try ParallelRows.forEach(rows: rows, threads: threads, minimumRows: minimumRows(columns: columns)) {
      (block, _) throws(MathError) in try kernel(block, src, dst, columns)
    }
  }

  /// ``mapRows(_:rows:columns:into:threads:_:)`` over a copy of `m`, in place.
  @inlinable
  static func mapRows<T: BLASScalar>(_ m: Matrix<T>, threads: Int?, _ kernel: RowKernel<T>) throws(MathError)
    -> Matrix<T>
  {
    var out = m
    try out.withUnsafeMutableBufferPointer { (buf) throws(MathError) in
      try mapRows(UnsafeBufferPointer(buf), rows: m.rows, columns: m.columns, into: buf, threads: threads, kernel)
    }
    return out
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
}
