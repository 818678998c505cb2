/// Matrix-level LAPACK operations: Cholesky factor/solve and general/symmetric solves.
///
/// Each throws ``MathError/lapack(routine:info:)`` with LAPACK's `info` when the routine fails (singular or
/// not positive definite input); shape mismatches are preconditions.
public enum LAPACK {
  /// The Cholesky factor of a symmetric positive definite matrix: lower `L` with `A = L·Lᵀ` (or upper `U`
  /// with `A = Uᵀ·U`). Only the chosen triangle of `a` is read; the other triangle of the result is zero.
  ///
  /// - Throws: ``MathError/lapack(routine:info:)`` with `info > 0` when the leading minor of that order is
  ///   not positive definite.
  /// - Complexity: O(n³/3).
  public static func cholesky<T: BLASScalar>(_ a: Matrix<T>, _ triangle: Triangle = .lower) throws(MathError) -> Matrix<T> {
    precondition(a.rows == a.columns, "Cholesky needs a square matrix, got \(a.rows)×\(a.columns)")
    var f = a
    let n = a.rows
    if n == 0 { return f }
    let info = f.withUnsafeMutableBufferPointer { T.lapackPOTRF(triangle, n: n, a: $0.baseAddress!, lda: n) }
    if info != 0 { throw .lapack(routine: T.self == Float.self ? "spotrf" : "dpotrf", info: info) }
    for i in 0..<n {
      for j in 0..<n where (triangle == .lower && j > i) || (triangle == .upper && j < i) { f[i, j] = 0 }
    }
    return f
  }

  /// Solves `A·X = B` given the Cholesky factor of `A` from ``cholesky(_:_:)`` (same triangle).
  public static func choleskySolve<T: BLASScalar>(
    factor: Matrix<T>, _ triangle: Triangle = .lower, _ b: Matrix<T>
  ) throws(MathError) -> Matrix<T> {
    precondition(factor.rows == factor.columns, "Cholesky factor must be square, got \(factor.rows)×\(factor.columns)")
    precondition(b.rows == factor.rows, "right-hand side has \(b.rows) rows, expected \(factor.rows)")
    var x = b
    let n = factor.rows
    if n == 0 || b.columns == 0 { return x }
    let info = factor.withUnsafeBufferPointer { pa in
      x.withUnsafeMutableBufferPointer { pb in
        T.lapackPOTRS(triangle, n: n, nrhs: b.columns, a: pa.baseAddress!, lda: n, b: pb.baseAddress!, ldb: b.columns)
      }
    }
    if info != 0 { throw .lapack(routine: T.self == Float.self ? "spotrs" : "dpotrs", info: info) }
    return x
  }

  /// Solves `A·X = B` for a symmetric positive definite `A` (Cholesky factor, then solve).
  public static func solvePositiveDefinite<T: BLASScalar>(_ a: Matrix<T>, _ b: Matrix<T>) throws(MathError) -> Matrix<T> {
    try choleskySolve(factor: cholesky(a, .lower), .lower, b)
  }

  /// Solves `A·X = B` for a general square `A` by LU with partial pivoting (`gesv`).
  ///
  /// - Throws: ``MathError/lapack(routine:info:)`` with `info > 0` when `A` is exactly singular.
  public static func solve<T: BLASScalar>(_ a: Matrix<T>, _ b: Matrix<T>) throws(MathError) -> Matrix<T> {
    try pivotedSolve(a, b, name: "solve", routine: "gesv") { n, nrhs, a, ipiv, b in
      T.lapackGESV(n: n, nrhs: nrhs, a: a, lda: n, ipiv: ipiv, b: b, ldb: nrhs)
    }
  }

  /// Solves `A·X = B` for a symmetric (possibly indefinite) `A` by Bunch–Kaufman (`sysv`); only the chosen
  /// triangle of `a` is read.
  ///
  /// - Throws: ``MathError/lapack(routine:info:)`` with `info > 0` when the block-diagonal factor is singular.
  public static func solveSymmetric<T: BLASScalar>(
    _ a: Matrix<T>, _ b: Matrix<T>, _ triangle: Triangle = .lower
  ) throws(MathError) -> Matrix<T> {
    try pivotedSolve(a, b, name: "solveSymmetric", routine: "sysv") { n, nrhs, a, ipiv, b in
      T.lapackSYSV(triangle, n: n, nrhs: nrhs, a: a, lda: n, ipiv: ipiv, b: b, ldb: nrhs)
    }
  }

  /// The plumbing of the pivoted solvers: checks shapes, copies `a` (overwritten by its factor) and `b` (by the
  /// solution), and calls `driver(n, nrhs, a, ipiv, b)` with row-major `lda = n`, `ldb = nrhs`. The error names
  /// the routine with its precision prefix (`dgesv`, `ssysv`, …).
  static func pivotedSolve<T: BLASScalar>(
    _ a: Matrix<T>, _ b: Matrix<T>, name: String, routine: String,
    _ driver: (Int, Int, UnsafeMutablePointer<T>, UnsafeMutablePointer<BLASInt>, UnsafeMutablePointer<T>) -> Int
  ) throws(MathError) -> Matrix<T> {
    precondition(a.rows == a.columns, "\(name) needs a square matrix, got \(a.rows)×\(a.columns)")
    precondition(b.rows == a.rows, "right-hand side has \(b.rows) rows, expected \(a.rows)")
    var factor = a
    var x = b
    let n = a.rows
    if n == 0 || b.columns == 0 { return x }
    var pivots = [BLASInt](repeating: 0, count: n)
    let info = factor.withUnsafeMutableBufferPointer { pa in
      x.withUnsafeMutableBufferPointer { pb in
        pivots.withUnsafeMutableBufferPointer { pp in driver(n, b.columns, pa.baseAddress!, pp.baseAddress!, pb.baseAddress!) }
      }
    }
    if info != 0 { throw .lapack(routine: (T.self == Float.self ? "s" : "d") + routine, info: info) }
    return x
  }
}
