// The generic face of the per-type kernels: BLAS/LAPACK bindings (`Float+BLASScalar.swift`,
// `Double+BLASScalar.swift`) and the vector kernels (`VectorExp.swift`, `WideRowMax.swift`,
// `UnsortedMidRank.swift`). Each forwards to the `Float` or `Double` member of the same name by an exhaustive switch
// over the type's ``BLASScalarSeal`` (only those two types have one, so there is no third case to trap on); the
// switch folds away when the caller is specialized, so generic code pays nothing. These are `package`: hooks for
// this package's modules, not public API.

/// `value` as `U`, for a `T` the seal's kind says is `U` (so nothing is reinterpreted: pointers keep the type their
/// memory is bound to). The check cannot fail (a seal of kind `.float` exists only for `Float`, `.double` only for
/// `Double`) and folds away when specialized.
@usableFromInline @inline(__always)
func same<T, U>(_ value: T, as _: U.Type = U.self) -> U {
  precondition(T.self == U.self, "\(T.self) is not \(U.self)")
  return unsafeBitCast(value, to: U.self)
}

extension BLASScalar {
  /// `C ← alpha·op(A)·op(B) + beta·C`, row-major; `op(A)` is m×k, `op(B)` is k×n, `C` is m×n.
  @inlinable package static func blasGEMM(
    _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
    alpha: Self, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
    beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
  ) {
    switch _blasScalarSeal.kind {
    case .float:
      Float.blasGEMM(
        transA, transB, m: m, n: n, k: k, alpha: same(alpha), a: same(a), lda: lda, b: same(b), ldb: ldb,
        beta: same(beta), c: same(c), ldc: ldc)
    case .double:
      Double.blasGEMM(
        transA, transB, m: m, n: n, k: k, alpha: same(alpha), a: same(a), lda: lda, b: same(b), ldb: ldb,
        beta: same(beta), c: same(c), ldc: ldc)
    }
  }

  /// `y ← alpha·op(A)·x + beta·y`, row-major; `A` is m×n as stored.
  @inlinable package static func blasGEMV(
    _ trans: Transpose, m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
    x: UnsafePointer<Self>, incx: Int, beta: Self, y: UnsafeMutablePointer<Self>, incy: Int
  ) {
    switch _blasScalarSeal.kind {
    case .float:
      Float.blasGEMV(
        trans, m: m, n: n, alpha: same(alpha), a: same(a), lda: lda, x: same(x), incx: incx, beta: same(beta),
        y: same(y), incy: incy)
    case .double:
      Double.blasGEMV(
        trans, m: m, n: n, alpha: same(alpha), a: same(a), lda: lda, x: same(x), incx: incx, beta: same(beta),
        y: same(y), incy: incy)
    }
  }

  /// `y ← alpha·x + y`.
  @inlinable package static func blasAXPY(
    n: Int, alpha: Self, x: UnsafePointer<Self>, incx: Int, y: UnsafeMutablePointer<Self>, incy: Int
  ) {
    switch _blasScalarSeal.kind {
    case .float:
      Float.blasAXPY(n: n, alpha: same(alpha), x: same(x), incx: incx, y: same(y), incy: incy)
    case .double:
      Double.blasAXPY(n: n, alpha: same(alpha), x: same(x), incx: incx, y: same(y), incy: incy)
    }
  }

  /// `xᵀy`.
  @inlinable package static func blasDOT(
    n: Int, x: UnsafePointer<Self>, incx: Int, y: UnsafePointer<Self>, incy: Int
  ) -> Self {
    switch _blasScalarSeal.kind {
    case .float:
      return same(Float.blasDOT(n: n, x: same(x), incx: incx, y: same(y), incy: incy))
    case .double:
      return same(Double.blasDOT(n: n, x: same(x), incx: incx, y: same(y), incy: incy))
    }
  }

  /// `x ← alpha·x`.
  @inlinable package static func blasSCAL(n: Int, alpha: Self, x: UnsafeMutablePointer<Self>, incx: Int) {
    switch _blasScalarSeal.kind {
    case .float:
      Float.blasSCAL(n: n, alpha: same(alpha), x: same(x), incx: incx)
    case .double:
      Double.blasSCAL(n: n, alpha: same(alpha), x: same(x), incx: incx)
    }
  }

  /// `‖x‖₂`, computed without overflow.
  @inlinable package static func blasNRM2(n: Int, x: UnsafePointer<Self>, incx: Int) -> Self {
    switch _blasScalarSeal.kind {
    case .float:
      return same(Float.blasNRM2(n: n, x: same(x), incx: incx))
    case .double:
      return same(Double.blasNRM2(n: n, x: same(x), incx: incx))
    }
  }

  /// Cholesky factorization (`potrf`), row-major, in place. Returns LAPACK's `info`.
  @inlinable package static func lapackPOTRF(_ uplo: Triangle, n: Int, a: UnsafeMutablePointer<Self>, lda: Int) -> Int {
    switch _blasScalarSeal.kind {
    case .float: return Float.lapackPOTRF(uplo, n: n, a: same(a), lda: lda)
    case .double: return Double.lapackPOTRF(uplo, n: n, a: same(a), lda: lda)
    }
  }

  /// Solve with a Cholesky factor (`potrs`), row-major; `b` is n×nrhs. Returns `info`.
  @inlinable package static func lapackPOTRS(
    _ uplo: Triangle, n: Int, nrhs: Int, a: UnsafePointer<Self>, lda: Int, b: UnsafeMutablePointer<Self>, ldb: Int
  ) -> Int {
    switch _blasScalarSeal.kind {
    case .float:
      return Float.lapackPOTRS(uplo, n: n, nrhs: nrhs, a: same(a), lda: lda, b: same(b), ldb: ldb)
    case .double:
      return Double.lapackPOTRS(uplo, n: n, nrhs: nrhs, a: same(a), lda: lda, b: same(b), ldb: ldb)
    }
  }

  /// General solve by LU with partial pivoting (`gesv`), row-major; `a` is overwritten by its factors. Returns
  /// `info`.
  @inlinable package static func lapackGESV(
    n: Int, nrhs: Int, a: UnsafeMutablePointer<Self>, lda: Int, ipiv: UnsafeMutablePointer<BLASInt>,
    b: UnsafeMutablePointer<Self>, ldb: Int
  ) -> Int {
    switch _blasScalarSeal.kind {
    case .float:
      return Float.lapackGESV(n: n, nrhs: nrhs, a: same(a), lda: lda, ipiv: ipiv, b: same(b), ldb: ldb)
    case .double:
      return Double.lapackGESV(n: n, nrhs: nrhs, a: same(a), lda: lda, ipiv: ipiv, b: same(b), ldb: ldb)
    }
  }

  /// Symmetric indefinite solve by Bunch–Kaufman (`sysv`), row-major. Returns `info`.
  @inlinable package static func lapackSYSV(
    _ uplo: Triangle, n: Int, nrhs: Int, a: UnsafeMutablePointer<Self>, lda: Int,
    ipiv: UnsafeMutablePointer<BLASInt>, b: UnsafeMutablePointer<Self>, ldb: Int
  ) -> Int {
    switch _blasScalarSeal.kind {
    case .float:
      return Float.lapackSYSV(uplo, n: n, nrhs: nrhs, a: same(a), lda: lda, ipiv: ipiv, b: same(b), ldb: ldb)
    case .double:
      return Double.lapackSYSV(uplo, n: n, nrhs: nrhs, a: same(a), lda: lda, ipiv: ipiv, b: same(b), ldb: ldb)
    }
  }

  /// `Σ_j exp(x_j − shift)` over `n` values, storing each term into `store` when given; vectorized with
  /// ``VectorExp`` at baseline, or the C kernels at AVX2 / AVX-512 width (≤ 2 ulp per term either way).
  @inlinable package static func expShiftedSum(
    _ x: UnsafePointer<Self>, _ n: Int, shift: Self, store: UnsafeMutablePointer<Self>?, isa: VectorISA = .active
  ) -> Self {
    switch _blasScalarSeal.kind {
    case .float:
      return same(Float.expShiftedSum(same(x), n, shift: same(shift), store: same(store), isa: isa))
    case .double:
      return same(Double.expShiftedSum(same(x), n, shift: same(shift), store: same(store), isa: isa))
    }
  }

  /// The maximum of `x[0..<n]` (NaN if any value is NaN, −∞ if `n` is 0) at the width of `isa`, which must
  /// not be ``VectorISA/baseline`` (the generic Swift path serves that level).
  @inlinable package static func wideRowMax(_ isa: VectorISA, _ x: UnsafePointer<Self>, _ n: Int) -> Self {
    switch _blasScalarSeal.kind {
    case .float: return same(Float.wideRowMax(isa, same(x), n))
    case .double: return same(Double.wideRowMax(isa, same(x), n))
    }
  }

  /// Mid-rank counts of `k` queries against an unsorted run of `n` values, by SIMD compares
  /// (``MidRank/countsUnsorted(_:_:queries:_:into:isa:)``).
  @inlinable package static func midRankCountsUnsorted(
    _ a: UnsafePointer<Self>, _ n: Int, _ queries: UnsafePointer<Self>, _ k: Int, _ out: UnsafeMutablePointer<Self>,
    isa: VectorISA = .active
  ) {
    switch _blasScalarSeal.kind {
    case .float:
      Float.midRankCountsUnsorted(same(a), n, same(queries), k, same(out), isa: isa)
    case .double:
      Double.midRankCountsUnsorted(same(a), n, same(queries), k, same(out), isa: isa)
    }
  }
}
