/// Matrix-level BLAS operations, generic over ``BLASScalar``.
///
/// Each call is one BLAS call: fold per-prompt work into one product instead of looping over small products.
public enum BLAS {
  /// `C ← alpha·op(A)·op(B) + beta·C` (GEMM).
  ///
  /// - Precondition: the shapes agree: `op(A)` is m×k, `op(B)` is k×n, `C` is m×n.
  /// - Complexity: O(m·n·k), at the speed of the system's OpenBLAS.
  @inlinable
  public static func gemm<T: BLASScalar>(
    _ a: Matrix<T>, _ b: Matrix<T>, transA: Transpose = .none, transB: Transpose = .none,
    alpha: T = 1, beta: T = 0, into c: inout Matrix<T>
  ) {
    let m = transA == .none ? a.rows : a.columns
    let k = transA == .none ? a.columns : a.rows
    let kb = transB == .none ? b.rows : b.columns
    let n = transB == .none ? b.columns : b.rows
    precondition(k == kb, "GEMM inner dimensions differ: op(A) is \(m)×\(k), op(B) is \(kb)×\(n)")
    precondition(c.rows == m && c.columns == n, "GEMM output is \(c.rows)×\(c.columns), expected \(m)×\(n)")
    if m == 0 || n == 0 { return }
    if k == 0 {
      // BLAS leaves C scaled by beta; do it explicitly (some builds skip the call entirely when k == 0).
      c.withUnsafeMutableBufferPointer { buf in for i in buf.indices { buf[i] = beta == 0 ? 0 : beta * buf[i] } }
      return
    }
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        c.withUnsafeMutableBufferPointer { pc in
          T.blasGEMM(
            transA, transB, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: max(1, a.columns),
            b: pb.baseAddress!, ldb: max(1, b.columns), beta: beta, c: pc.baseAddress!, ldc: max(1, n))
        }
      }
    }
  }

  /// `alpha·op(A)·op(B)` as a new matrix.
  @inlinable
  public static func multiply<T: BLASScalar>(
    _ a: Matrix<T>, _ b: Matrix<T>, transA: Transpose = .none, transB: Transpose = .none, alpha: T = 1
  ) -> Matrix<T> {
    var c = Matrix<T>(
      rows: transA == .none ? a.rows : a.columns, columns: transB == .none ? b.columns : b.rows)
    gemm(a, b, transA: transA, transB: transB, alpha: alpha, beta: 0, into: &c)
    return c
  }

  /// `y ← alpha·op(A)·x + beta·y` (GEMV).
  @inlinable
  public static func gemv<T: BLASScalar>(
    _ a: Matrix<T>, _ x: [T], trans: Transpose = .none, alpha: T = 1, beta: T = 0, into y: inout [T]
  ) {
    let (outCount, inCount) = trans == .none ? (a.rows, a.columns) : (a.columns, a.rows)
    precondition(x.count == inCount, "GEMV input has \(x.count) elements, expected \(inCount)")
    precondition(y.count == outCount, "GEMV output has \(y.count) elements, expected \(outCount)")
    if outCount == 0 { return }
    if inCount == 0 {
      for i in y.indices { y[i] = beta == 0 ? 0 : beta * y[i] }
      return
    }
    a.withUnsafeBufferPointer { pa in
      x.withUnsafeBufferPointer { px in
        y.withUnsafeMutableBufferPointer { py in
          T.blasGEMV(
            trans, m: a.rows, n: a.columns, alpha: alpha, a: pa.baseAddress!, lda: max(1, a.columns),
            x: px.baseAddress!, incx: 1, beta: beta, y: py.baseAddress!, incy: 1)
        }
      }
    }
  }

  /// `y ← alpha·x + y` (AXPY).
  @inlinable
  public static func axpy<T: BLASScalar>(_ alpha: T, _ x: [T], _ y: inout [T]) {
    precondition(x.count == y.count, "AXPY lengths differ: \(x.count) and \(y.count)")
    if x.isEmpty { return }
    x.withUnsafeBufferPointer { px in
      y.withUnsafeMutableBufferPointer { py in
        T.blasAXPY(n: px.count, alpha: alpha, x: px.baseAddress!, incx: 1, y: py.baseAddress!, incy: 1)
      }
    }
  }

  /// `xᵀy` (DOT).
  @inlinable
  public static func dot<T: BLASScalar>(_ x: [T], _ y: [T]) -> T {
    precondition(x.count == y.count, "DOT lengths differ: \(x.count) and \(y.count)")
    if x.isEmpty { return 0 }
    return x.withUnsafeBufferPointer { px in
      y.withUnsafeBufferPointer { py in
        T.blasDOT(n: px.count, x: px.baseAddress!, incx: 1, y: py.baseAddress!, incy: 1)
      }
    }
  }

  /// `x ← alpha·x` (SCAL).
  @inlinable
  public static func scal<T: BLASScalar>(_ alpha: T, _ x: inout [T]) {
    if x.isEmpty { return }
    x.withUnsafeMutableBufferPointer { px in T.blasSCAL(n: px.count, alpha: alpha, x: px.baseAddress!, incx: 1) }
  }

  /// `‖x‖₂` (NRM2), without overflow or underflow for large or tiny elements.
  @inlinable
  public static func nrm2<T: BLASScalar>(_ x: [T]) -> T {
    if x.isEmpty { return 0 }
    return x.withUnsafeBufferPointer { px in T.blasNRM2(n: px.count, x: px.baseAddress!, incx: 1) }
  }
}

extension Matrix {
  /// The matrix product, through one GEMM.
  @inlinable public static func * (lhs: Matrix, rhs: Matrix) -> Matrix { BLAS.multiply(lhs, rhs) }

  /// `alpha·op(self)·op(other)` through one GEMM.
  @inlinable public func multiply(
    _ other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false, alpha: Scalar = 1
  ) -> Matrix {
    BLAS.multiply(
      self, other, transA: transposeSelf ? .transpose : .none, transB: transposeOther ? .transpose : .none, alpha: alpha)
  }
}
