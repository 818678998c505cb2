import CInfAlignBLAS
import RealModule

extension Float: BLASScalar {
  @inlinable public static var _blasScalarSeal: BLASScalarSeal<Float> { .float }
}

// The s routines of CBLAS/LAPACKE, row-major, for ``BLASScalar``'s generic dispatch (`BLASScalar+Kernels.swift`).
// Twin of Double+BLASScalar.swift by design: the two differ only in the C routine each calls (s vs d).
extension Float {
  @inlinable package static func blasGEMM(
    _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, transA.cblas, transB.cblas, blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda),
      b, blasInt(ldb), beta, c, blasInt(ldc))
  }
  @inlinable package static func blasGEMV(
    _ trans: Transpose, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    x: UnsafePointer<Float>, incx: Int, beta: Float, y: UnsafeMutablePointer<Float>, incy: Int
  ) {
    cblas_sgemv(
      CblasRowMajor, trans.cblas, blasInt(m), blasInt(n), alpha, a, blasInt(lda), x, blasInt(incx), beta, y,
      blasInt(incy))
  }
  @inlinable package static func blasAXPY(
    n: Int, alpha: Float, x: UnsafePointer<Float>, incx: Int, y: UnsafeMutablePointer<Float>, incy: Int
  ) {
    cblas_saxpy(blasInt(n), alpha, x, blasInt(incx), y, blasInt(incy))
  }
  @inlinable package static func blasDOT(
    n: Int, x: UnsafePointer<Float>, incx: Int, y: UnsafePointer<Float>, incy: Int
  ) -> Float {
    cblas_sdot(blasInt(n), x, blasInt(incx), y, blasInt(incy))
  }
  @inlinable package static func blasSCAL(n: Int, alpha: Float, x: UnsafeMutablePointer<Float>, incx: Int) {
    cblas_sscal(blasInt(n), alpha, x, blasInt(incx))
  }
  @inlinable package static func blasNRM2(n: Int, x: UnsafePointer<Float>, incx: Int) -> Float {
    cblas_snrm2(blasInt(n), x, blasInt(incx))
  }
  @inlinable package static func lapackPOTRF(_ uplo: Triangle, n: Int, a: UnsafeMutablePointer<Float>, lda: Int) -> Int {
    Int(LAPACKE_spotrf(LAPACK_ROW_MAJOR, uplo.lapack, blasInt(n), a, blasInt(lda)))
  }
  @inlinable package static func lapackPOTRS(
    _ uplo: Triangle, n: Int, nrhs: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafeMutablePointer<Float>, ldb: Int
  ) -> Int {
    Int(LAPACKE_spotrs(LAPACK_ROW_MAJOR, uplo.lapack, blasInt(n), blasInt(nrhs), a, blasInt(lda), b, blasInt(ldb)))
  }
  @inlinable package static func lapackGESV(
    n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, lda: Int, ipiv: UnsafeMutablePointer<BLASInt>,
    b: UnsafeMutablePointer<Float>, ldb: Int
  ) -> Int {
    Int(LAPACKE_sgesv(LAPACK_ROW_MAJOR, blasInt(n), blasInt(nrhs), a, blasInt(lda), ipiv, b, blasInt(ldb)))
  }
  @inlinable package static func lapackSYSV(
    _ uplo: Triangle, n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, lda: Int,
    ipiv: UnsafeMutablePointer<BLASInt>, b: UnsafeMutablePointer<Float>, ldb: Int
  ) -> Int {
    Int(LAPACKE_ssysv(LAPACK_ROW_MAJOR, uplo.lapack, blasInt(n), blasInt(nrhs), a, blasInt(lda), ipiv, b, blasInt(ldb)))
  }
}
