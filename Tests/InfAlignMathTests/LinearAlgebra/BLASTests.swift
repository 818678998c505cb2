import InfAlignMath
import Testing

/// Naive triple loop in Double: alpha·op(A)·op(B) + beta·C.
private func naiveGEMM<T: BLASScalar>(
  _ a: Matrix<T>, _ b: Matrix<T>, _ ta: Transpose, _ tb: Transpose, _ alpha: Double, _ beta: Double, _ c: Matrix<T>
) -> [Double] {
  let m = ta == .none ? a.rows : a.columns, k = ta == .none ? a.columns : a.rows
  let n = tb == .none ? b.columns : b.rows
  var out = [Double](repeating: 0, count: m * n)
  for i in 0..<m {
    for j in 0..<n {
      var s = 0.0
      for p in 0..<k {
        let x = ta == .none ? a[i, p] : a[p, i]
        let y = tb == .none ? b[p, j] : b[j, p]
        s += Double(x) * Double(y)
      }
      out[i * n + j] = alpha * s + beta * Double(c[i, j])
    }
  }
  return out
}

private func checkGEMM<T: BLASScalar>(_: T.Type) {
  var rng = TestRNG(7)
  let shapes: [(Int, Int, Int)] = [(1, 1, 1), (1000, 2, 3), (3, 1, 7), (17, 13, 1), (8, 9, 10), (0, 3, 4), (4, 0, 2)]
  for (m, n, k) in shapes {
    for ta in [Transpose.none, .transpose] {
      for tb in [Transpose.none, .transpose] {
        let a: Matrix<T> = ta == .none ? rng.matrix(m, k) : rng.matrix(k, m)
        let b: Matrix<T> = tb == .none ? rng.matrix(k, n) : rng.matrix(n, k)
        var c: Matrix<T> = rng.matrix(m, n)
        let expected = naiveGEMM(a, b, ta, tb, 0.5, -2, c)
        BLAS.gemm(a, b, transA: ta, transB: tb, alpha: 0.5, beta: -2, into: &c)
        let tol = tolerance(T.self, double: 1e-13, float: 1e-5) * Double(max(k, 1))
        for idx in 0..<(m * n) { #expect(close(Double(c.storage[idx]), expected[idx], tol), "\(m)×\(n)×\(k) \(ta) \(tb)") }
      }
    }
  }
  // k = 0: C is scaled by beta.
  var c = Matrix<T>(rows: 2, columns: 2, repeating: 3)
  BLAS.gemm(Matrix<T>(rows: 2, columns: 0), Matrix<T>(rows: 0, columns: 2), beta: 2, into: &c)
  #expect(c.storage == [6, 6, 6, 6])
  let a: Matrix<T> = rng.matrix(5, 4), b: Matrix<T> = rng.matrix(4, 6)
  #expect(a * b == BLAS.multiply(a, b))
  #expect(a.multiply(a, transposeOther: true) == BLAS.multiply(a, a, transB: .transpose))
}

@Test func gemmMatchesNaiveLoopsDouble() { checkGEMM(Double.self) }
@Test func gemmMatchesNaiveLoopsFloat() { checkGEMM(Float.self) }

private func checkLevel1and2<T: BLASScalar>(_: T.Type) {
  var rng = TestRNG(11)
  let tol = tolerance(T.self, double: 1e-13, float: 1e-5)
  let a: Matrix<T> = rng.matrix(7, 5)
  let x5: [T] = (0..<5).map { _ in T(rng.uniform(-1, 1)) }, x7: [T] = (0..<7).map { _ in T(rng.uniform(-1, 1)) }
  var y = [T](repeating: 1, count: 7)
  BLAS.gemv(a, x5, alpha: 2, beta: 0.5, into: &y)
  for i in 0..<7 {
    var s = 0.0
    for j in 0..<5 { s += Double(a[i, j]) * Double(x5[j]) }
    #expect(close(Double(y[i]), 2 * s + 0.5, tol))
  }
  var yt = [T](repeating: 0, count: 5)
  BLAS.gemv(a, x7, trans: .transpose, into: &yt)
  for j in 0..<5 {
    var s = 0.0
    for i in 0..<7 { s += Double(a[i, j]) * Double(x7[i]) }
    #expect(close(Double(yt[j]), s, tol))
  }
  var z = x7
  BLAS.axpy(3, x7, &z)
  for i in 0..<7 { #expect(close(Double(z[i]), 4 * Double(x7[i]), tol)) }
  let d = BLAS.dot(x7, x7)
  #expect(close(Double(d), x7.reduce(0.0) { $0 + Double($1) * Double($1) }, tol))
  #expect(close(Double(BLAS.nrm2(x7)), Double(d).squareRoot(), tol))
  var s = x7
  BLAS.scal(-2, &s)
  for i in 0..<7 { #expect(s[i] == -2 * x7[i]) }
  #expect(BLAS.dot([T](), []) == 0 && BLAS.nrm2([T]()) == 0)
}

@Test func level1And2Double() { checkLevel1and2(Double.self) }
@Test func level1And2Float() { checkLevel1and2(Float.self) }

@Test func nrm2DoesNotOverflow() {
  #expect(close(BLAS.nrm2([3e200, 4e200]), 5e200, 1e-15))
  #expect(close(Double(BLAS.nrm2([Float(3e30), 4e30])), 5e30, 1e-6))
}
