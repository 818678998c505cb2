import CInfAlignBLAS
import RealModule

/// Whether a BLAS operand is used as stored or transposed.
public enum Transpose: Sendable, Hashable {
  case none
  case transpose

  @usableFromInline var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
  @usableFromInline var lapack: CChar { self == .none ? CChar(UInt8(ascii: "N")) : CChar(UInt8(ascii: "T")) }
}

/// Which triangle of a symmetric matrix is referenced.
public enum Triangle: Sendable, Hashable {
  case upper
  case lower

  @usableFromInline var lapack: CChar { self == .upper ? CChar(UInt8(ascii: "U")) : CChar(UInt8(ascii: "L")) }
}

/// A floating-point type with BLAS and LAPACK routines: `Float` (the `s` routines) and `Double` (`d`).
///
/// The static requirements are thin, row-major bindings of the CBLAS/LAPACKE entry points. Sizes are Swift
/// `Int` and are converted once with ``blasInt(_:_:)``. LAPACK bindings return LAPACK's `info`; the throwing,
/// matrix-level API is in ``LAPACK``.
///
/// The protocol also exposes the IEEE bit pattern (for radix sorting) and is `Real` (swift-numerics), so generic
/// code can call `exp`, `log`, `log1p`, `expm1`.
public protocol BLASScalar: BinaryFloatingPoint, Real, SIMDScalar, Sendable, Codable, LosslessStringConvertible
where RawSignificand: FixedWidthInteger {
  /// The unsigned integer holding this type's IEEE-754 bit pattern.
  associatedtype BitPattern: FixedWidthInteger & UnsignedInteger & Sendable
  var bitPattern: BitPattern { get }
  init(bitPattern: BitPattern)

  /// `C ← alpha·op(A)·op(B) + beta·C`, row-major; `op(A)` is m×k, `op(B)` is k×n, `C` is m×n.
  static func blasGEMM(
    _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
    alpha: Self, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
    beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
  /// `y ← alpha·op(A)·x + beta·y`, row-major; `A` is m×n as stored.
  static func blasGEMV(
    _ trans: Transpose, m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
    x: UnsafePointer<Self>, incx: Int, beta: Self, y: UnsafeMutablePointer<Self>, incy: Int)
  /// `y ← alpha·x + y`.
  static func blasAXPY(n: Int, alpha: Self, x: UnsafePointer<Self>, incx: Int, y: UnsafeMutablePointer<Self>, incy: Int)
  /// `xᵀy`.
  static func blasDOT(n: Int, x: UnsafePointer<Self>, incx: Int, y: UnsafePointer<Self>, incy: Int) -> Self
  /// `x ← alpha·x`.
  static func blasSCAL(n: Int, alpha: Self, x: UnsafeMutablePointer<Self>, incx: Int)
  /// `‖x‖₂`, computed without overflow.
  static func blasNRM2(n: Int, x: UnsafePointer<Self>, incx: Int) -> Self

  /// `Σ_j exp(x_j − shift)` over `n` values, storing each term into `store` when given; vectorized with
  /// ``VectorExp`` at baseline, or the C kernels at AVX2 / AVX-512 width (≤ 2 ulp per term either way).
  static func expShiftedSum(
    _ x: UnsafePointer<Self>, _ n: Int, shift: Self, store: UnsafeMutablePointer<Self>?, isa: VectorISA) -> Self
  /// The maximum of `x[0..<n]` (NaN if any value is NaN, −∞ if `n` is 0) at the width of `isa`, which must
  /// not be ``VectorISA/baseline`` (the generic Swift path serves that level).
  static func wideRowMax(_ isa: VectorISA, _ x: UnsafePointer<Self>, _ n: Int) -> Self
  /// Mid-rank counts of `k` queries against an unsorted run of `n` values, by SIMD compares
  /// (``MidRank/countsUnsorted(_:_:queries:_:into:)``).
  static func midRankCountsUnsorted(
    _ a: UnsafePointer<Self>, _ n: Int, _ queries: UnsafePointer<Self>, _ k: Int, _ out: UnsafeMutablePointer<Self>,
    isa: VectorISA)

  /// Cholesky factorization (`potrf`), row-major, in place. Returns LAPACK's `info`.
  static func lapackPOTRF(_ uplo: Triangle, n: Int, a: UnsafeMutablePointer<Self>, lda: Int) -> Int
  /// Solve with a Cholesky factor (`potrs`), row-major; `b` is n×nrhs. Returns `info`.
  static func lapackPOTRS(
    _ uplo: Triangle, n: Int, nrhs: Int, a: UnsafePointer<Self>, lda: Int, b: UnsafeMutablePointer<Self>, ldb: Int
  ) -> Int
  /// General solve by LU with partial pivoting (`gesv`), row-major; `a` is overwritten by its factors. Returns `info`.
  static func lapackGESV(
    n: Int, nrhs: Int, a: UnsafeMutablePointer<Self>, lda: Int, ipiv: UnsafeMutablePointer<BLASInt>,
    b: UnsafeMutablePointer<Self>, ldb: Int) -> Int
  /// Symmetric indefinite solve by Bunch–Kaufman (`sysv`), row-major. Returns `info`.
  static func lapackSYSV(
    _ uplo: Triangle, n: Int, nrhs: Int, a: UnsafeMutablePointer<Self>, lda: Int,
    ipiv: UnsafeMutablePointer<BLASInt>, b: UnsafeMutablePointer<Self>, ldb: Int) -> Int
}

extension BLASScalar {
  /// ``expShiftedSum(_:_:shift:store:isa:)`` at ``VectorISA/active``.
  @inlinable
  public static func expShiftedSum(
    _ x: UnsafePointer<Self>, _ n: Int, shift: Self, store: UnsafeMutablePointer<Self>?
  ) -> Self {
    expShiftedSum(x, n, shift: shift, store: store, isa: .active)
  }

  /// ``midRankCountsUnsorted(_:_:_:_:_:isa:)`` at ``VectorISA/active``.
  @inlinable
  public static func midRankCountsUnsorted(
    _ a: UnsafePointer<Self>, _ n: Int, _ queries: UnsafePointer<Self>, _ k: Int, _ out: UnsafeMutablePointer<Self>
  ) {
    midRankCountsUnsorted(a, n, queries, k, out, isa: .active)
  }
}

extension Float: BLASScalar {
  @inlinable public static func blasGEMM(
    _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, transA.cblas, transB.cblas, blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda),
      b, blasInt(ldb), beta, c, blasInt(ldc))
  }
  @inlinable public static func blasGEMV(
    _ trans: Transpose, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    x: UnsafePointer<Float>, incx: Int, beta: Float, y: UnsafeMutablePointer<Float>, incy: Int
  ) {
    cblas_sgemv(
      CblasRowMajor, trans.cblas, blasInt(m), blasInt(n), alpha, a, blasInt(lda), x, blasInt(incx), beta, y,
      blasInt(incy))
  }
  @inlinable public static func blasAXPY(
    n: Int, alpha: Float, x: UnsafePointer<Float>, incx: Int, y: UnsafeMutablePointer<Float>, incy: Int
  ) {
    cblas_saxpy(blasInt(n), alpha, x, blasInt(incx), y, blasInt(incy))
  }
  @inlinable public static func blasDOT(
    n: Int, x: UnsafePointer<Float>, incx: Int, y: UnsafePointer<Float>, incy: Int
  ) -> Float {
    cblas_sdot(blasInt(n), x, blasInt(incx), y, blasInt(incy))
  }
  @inlinable public static func blasSCAL(n: Int, alpha: Float, x: UnsafeMutablePointer<Float>, incx: Int) {
    cblas_sscal(blasInt(n), alpha, x, blasInt(incx))
  }
  @inlinable public static func blasNRM2(n: Int, x: UnsafePointer<Float>, incx: Int) -> Float {
    cblas_snrm2(blasInt(n), x, blasInt(incx))
  }
  @inlinable public static func lapackPOTRF(_ uplo: Triangle, n: Int, a: UnsafeMutablePointer<Float>, lda: Int) -> Int {
    Int(LAPACKE_spotrf(LAPACK_ROW_MAJOR, uplo.lapack, blasInt(n), a, blasInt(lda)))
  }
  @inlinable public static func lapackPOTRS(
    _ uplo: Triangle, n: Int, nrhs: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafeMutablePointer<Float>, ldb: Int
  ) -> Int {
    Int(LAPACKE_spotrs(LAPACK_ROW_MAJOR, uplo.lapack, blasInt(n), blasInt(nrhs), a, blasInt(lda), b, blasInt(ldb)))
  }
  @inlinable public static func lapackGESV(
    n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, lda: Int, ipiv: UnsafeMutablePointer<BLASInt>,
    b: UnsafeMutablePointer<Float>, ldb: Int
  ) -> Int {
    Int(LAPACKE_sgesv(LAPACK_ROW_MAJOR, blasInt(n), blasInt(nrhs), a, blasInt(lda), ipiv, b, blasInt(ldb)))
  }
  @inlinable public static func lapackSYSV(
    _ uplo: Triangle, n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, lda: Int,
    ipiv: UnsafeMutablePointer<BLASInt>, b: UnsafeMutablePointer<Float>, ldb: Int
  ) -> Int {
    Int(LAPACKE_ssysv(LAPACK_ROW_MAJOR, uplo.lapack, blasInt(n), blasInt(nrhs), a, blasInt(lda), ipiv, b, blasInt(ldb)))
  }
}

extension Double: BLASScalar {
  @inlinable public static func blasGEMM(
    _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
    alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor, transA.cblas, transB.cblas, blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda),
      b, blasInt(ldb), beta, c, blasInt(ldc))
  }
  @inlinable public static func blasGEMV(
    _ trans: Transpose, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
    x: UnsafePointer<Double>, incx: Int, beta: Double, y: UnsafeMutablePointer<Double>, incy: Int
  ) {
    cblas_dgemv(
      CblasRowMajor, trans.cblas, blasInt(m), blasInt(n), alpha, a, blasInt(lda), x, blasInt(incx), beta, y,
      blasInt(incy))
  }
  @inlinable public static func blasAXPY(
    n: Int, alpha: Double, x: UnsafePointer<Double>, incx: Int, y: UnsafeMutablePointer<Double>, incy: Int
  ) {
    cblas_daxpy(blasInt(n), alpha, x, blasInt(incx), y, blasInt(incy))
  }
  @inlinable public static func blasDOT(
    n: Int, x: UnsafePointer<Double>, incx: Int, y: UnsafePointer<Double>, incy: Int
  ) -> Double {
    cblas_ddot(blasInt(n), x, blasInt(incx), y, blasInt(incy))
  }
  @inlinable public static func blasSCAL(n: Int, alpha: Double, x: UnsafeMutablePointer<Double>, incx: Int) {
    cblas_dscal(blasInt(n), alpha, x, blasInt(incx))
  }
  @inlinable public static func blasNRM2(n: Int, x: UnsafePointer<Double>, incx: Int) -> Double {
    cblas_dnrm2(blasInt(n), x, blasInt(incx))
  }
  @inlinable public static func lapackPOTRF(_ uplo: Triangle, n: Int, a: UnsafeMutablePointer<Double>, lda: Int) -> Int {
    Int(LAPACKE_dpotrf(LAPACK_ROW_MAJOR, uplo.lapack, blasInt(n), a, blasInt(lda)))
  }
  @inlinable public static func lapackPOTRS(
    _ uplo: Triangle, n: Int, nrhs: Int, a: UnsafePointer<Double>, lda: Int, b: UnsafeMutablePointer<Double>, ldb: Int
  ) -> Int {
    Int(LAPACKE_dpotrs(LAPACK_ROW_MAJOR, uplo.lapack, blasInt(n), blasInt(nrhs), a, blasInt(lda), b, blasInt(ldb)))
  }
  @inlinable public static func lapackGESV(
    n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, lda: Int, ipiv: UnsafeMutablePointer<BLASInt>,
    b: UnsafeMutablePointer<Double>, ldb: Int
  ) -> Int {
    Int(LAPACKE_dgesv(LAPACK_ROW_MAJOR, blasInt(n), blasInt(nrhs), a, blasInt(lda), ipiv, b, blasInt(ldb)))
  }
  @inlinable public static func lapackSYSV(
    _ uplo: Triangle, n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, lda: Int,
    ipiv: UnsafeMutablePointer<BLASInt>, b: UnsafeMutablePointer<Double>, ldb: Int
  ) -> Int {
    Int(LAPACKE_dsysv(LAPACK_ROW_MAJOR, uplo.lapack, blasInt(n), blasInt(nrhs), a, blasInt(lda), ipiv, b, blasInt(ldb)))
  }
}
