import CInfAlignBLAS
import RealModule

extension Double: BLASScalar {
  @inlinable public static var _blasScalarSeal: BLASScalarSeal<Double> { .double }
}

// The d routines of CBLAS/LAPACKE, row-major, for ``BLASScalar``'s generic dispatch (`BLASScalar+Kernels.swift`).
// Twin of Float+BLASScalar.swift by design: the two differ only in the C routine each calls (d vs s).
extension Double {
  @inlinable package static func blasGEMM(
    _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
    alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor, transA.cblas, transB.cblas, blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda),
      b, blasInt(ldb), beta, c, blasInt(ldc))
  }
  @inlinable package static func blasGEMV(
    _ trans: Transpose, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
    x: UnsafePointer<Double>, incx: Int, beta: Double, y: UnsafeMutablePointer<Double>, incy: Int
  ) {
    cblas_dgemv(
      CblasRowMajor, trans.cblas, blasInt(m), blasInt(n), alpha, a, blasInt(lda), x, blasInt(incx), beta, y,
      blasInt(incy))
  }
  @inlinable package static func blasAXPY(
    n: Int, alpha: Double, x: UnsafePointer<Double>, incx: Int, y: UnsafeMutablePointer<Double>, incy: Int
  ) {
    cblas_daxpy(blasInt(n), alpha, x, blasInt(incx), y, blasInt(incy))
  }
  @inlinable package static func blasDOT(
    n: Int, x: UnsafePointer<Double>, incx: Int, y: UnsafePointer<Double>, incy: Int
  ) -> Double {
    cblas_ddot(blasInt(n), x, blasInt(incx), y, blasInt(incy))
  }
  @inlinable package static func blasSCAL(n: Int, alpha: Double, x: UnsafeMutablePointer<Double>, incx: Int) {
    cblas_dscal(blasInt(n), alpha, x, blasInt(incx))
  }
  @inlinable package static func blasNRM2(n: Int, x: UnsafePointer<Double>, incx: Int) -> Double {
    cblas_dnrm2(blasInt(n), x, blasInt(incx))
  }
  @inlinable package static func lapackPOTRF(_ uplo: Triangle, n: Int, a: UnsafeMutablePointer<Double>, lda: Int) -> Int {
    Int(LAPACKE_dpotrf(LAPACK_ROW_MAJOR, uplo.lapack, blasInt(n), a, blasInt(lda)))
  }
  @inlinable package static func lapackPOTRS(
    _ uplo: Triangle, n: Int, nrhs: Int, a: UnsafePointer<Double>, lda: Int, b: UnsafeMutablePointer<Double>, ldb: Int
  ) -> Int {
    Int(LAPACKE_dpotrs(LAPACK_ROW_MAJOR, uplo.lapack, blasInt(n), blasInt(nrhs), a, blasInt(lda), b, blasInt(ldb)))
  }
  @inlinable package static func lapackGESV(
    n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, lda: Int, ipiv: UnsafeMutablePointer<BLASInt>,
    b: UnsafeMutablePointer<Double>, ldb: Int
  ) -> Int {
    Int(LAPACKE_dgesv(LAPACK_ROW_MAJOR, blasInt(n), blasInt(nrhs), a, blasInt(lda), ipiv, b, blasInt(ldb)))
  }
  @inlinable package static func lapackSYSV(
    _ uplo: Triangle, n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, lda: Int,
    ipiv: UnsafeMutablePointer<BLASInt>, b: UnsafeMutablePointer<Double>, ldb: Int
  ) -> Int {
    Int(LAPACKE_dsysv(LAPACK_ROW_MAJOR, uplo.lapack, blasInt(n), blasInt(nrhs), a, blasInt(lda), ipiv, b, blasInt(ldb)))
  }
}
