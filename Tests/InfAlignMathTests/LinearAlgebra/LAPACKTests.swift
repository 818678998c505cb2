import InfAlignMath
import Testing

private func spd<T: BLASScalar>(_ n: Int, _ rng: inout TestRNG) -> Matrix<T> {
  let b: Matrix<T> = rng.matrix(n, n)
  var a = BLAS.multiply(b, b, transB: .transpose)
  for i in 0..<n { a[i, i] += T(n) }
  return a
}

private func checkLAPACK<T: BLASScalar>(_: T.Type) throws {
  var rng = TestRNG(5)
  let tol = tolerance(T.self, double: 1e-11, float: 1e-3)
  let n = 6
  let a: Matrix<T> = spd(n, &rng)
  let l = try LAPACK.cholesky(a)
  let llt = BLAS.multiply(l, l, transB: .transpose)
  for i in 0..<(n * n) { #expect(close(Double(llt.storage[i]), Double(a.storage[i]), tol)) }
  for i in 0..<n { for j in (i + 1)..<n { #expect(l[i, j] == 0) } }
  let u = try LAPACK.cholesky(a, .upper)
  let utu = BLAS.multiply(u, u, transA: .transpose)
  for i in 0..<(n * n) { #expect(close(Double(utu.storage[i]), Double(a.storage[i]), tol)) }
  let b: Matrix<T> = rng.matrix(n, 3)
  for x in [try LAPACK.solvePositiveDefinite(a, b), try LAPACK.solve(a, b), try LAPACK.solveSymmetric(a, b)] {
    let r = BLAS.multiply(a, x)
    for i in 0..<(n * 3) { #expect(close(Double(r.storage[i]), Double(b.storage[i]), tol)) }
  }
  // Symmetric indefinite.
  var ind = a
  for i in 0..<n { ind[i, i] -= T(3 * n) }
  let xi = try LAPACK.solveSymmetric(ind, b)
  let ri = BLAS.multiply(ind, xi)
  for i in 0..<(n * 3) { #expect(close(Double(ri.storage[i]), Double(b.storage[i]), tol * 10)) }
  // General non-symmetric.
  var g: Matrix<T> = rng.matrix(n, n)
  for i in 0..<n { g[i, i] += 4 }
  let xg = try LAPACK.solve(g, b)
  let rg = BLAS.multiply(g, xg)
  for i in 0..<(n * 3) { #expect(close(Double(rg.storage[i]), Double(b.storage[i]), tol)) }
}

@Test func lapackDouble() throws { try checkLAPACK(Double.self) }
@Test func lapackFloat() throws { try checkLAPACK(Float.self) }

@Test func lapackErrorsCarryInfo() {
  let notPD = Matrix<Double>([[1, 2], [2, 1]])
  #expect(throws: MathError.lapack(routine: "dpotrf", info: 2)) { try LAPACK.cholesky(notPD) }
  #expect(throws: MathError.lapack(routine: "spotrf", info: 2)) { try LAPACK.cholesky(Matrix<Float>([[1, 2], [2, 1]])) }
  let singular = Matrix<Double>([[1, 2], [2, 4]])
  #expect(throws: MathError.lapack(routine: "dgesv", info: 2)) { try LAPACK.solve(singular, Matrix.identity(2)) }
  #expect(throws: MathError.lapack(routine: "sgesv", info: 2)) {
    try LAPACK.solve(Matrix<Float>([[1, 2], [2, 4]]), Matrix<Float>.identity(2))
  }
  let zero = Matrix<Double>(rows: 2, columns: 2)
  #expect(throws: MathError.self) { try LAPACK.solveSymmetric(zero, Matrix.identity(2)) }
  #expect(MathError.lapack(routine: "dpotrf", info: 2).description.contains("info = 2"))
}
