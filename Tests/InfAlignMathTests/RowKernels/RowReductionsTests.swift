import Foundation
import InfAlignMath
import Testing

private func naiveLSE(_ row: [Double]) -> Double {
  let m = row.max() ?? -.infinity
  if !m.isFinite { return m }
  return m + log(row.reduce(0) { $0 + exp($1 - m) })
}

private func checkAgainstNaive<T: BLASScalar>(_: T.Type) throws {
  var rng = TestRNG(3)
  let tol = tolerance(T.self, double: 1e-13, float: 1e-5)
  for (rows, cols) in [(1, 1), (1, 9), (5, 1), (3, 17), (64, 1000), (2, 8)] {
    let m: Matrix<T> = rng.matrix(rows, cols, -30, 30)
    let lse = RowReductions.logSumExp(m), mx = RowReductions.max(m)
    let sm = try RowReductions.softmax(m), lsm = try RowReductions.logSoftmax(m)
    let (mean, variance) = RowReductions.meanAndVariance(m, correction: cols > 1 ? 1 : 0)
    for i in 0..<rows {
      let row = m.row(i).map(Double.init)
      let l = naiveLSE(row)
      #expect(close(Double(lse[i]), l, tol))
      #expect(Double(mx[i]) == row.max()!)
      var total = 0.0
      for j in 0..<cols {
        #expect(close(Double(sm[i, j]), exp(row[j] - l), tol))
        #expect(close(Double(lsm[i, j]), row[j] - l, tol * 10))
        total += Double(sm[i, j])
      }
      #expect(close(total, 1, tol))
      let mu = row.reduce(0, +) / Double(cols)
      #expect(close(Double(mean[i]), mu, tol))
      if cols > 1 {
        let v = row.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(cols - 1)
        #expect(close(Double(variance[i]), v, tol * 10))
      }
    }
  }
}

@Test func reductionsMatchNaiveDouble() throws { try checkAgainstNaive(Double.self) }
@Test func reductionsMatchNaiveFloat() throws { try checkAgainstNaive(Float.self) }

private func checkSpecialValues<T: BLASScalar>(_: T.Type) throws {
  let big = Matrix<T>([[10000, 9999, -10000], [-10000, -10001, -10002]])
  let lse = RowReductions.logSumExp(big)
  #expect(close(Double(lse[0]), 10000 + log(1 + exp(-1.0)), 1e-6))
  #expect(close(Double(lse[1]), -10000 + log(1 + exp(-1.0) + exp(-2.0)), 1e-6))
  let inf = T.infinity
  let m = Matrix<T>([[-inf, -inf, -inf], [-inf, 0, -inf], [1, inf, inf]])
  let l = RowReductions.logSumExp(m)
  #expect(l[0] == -inf && l[1] == 0 && l[2] == inf)
  #expect(throws: MathError.zeroMass(row: 0)) { try RowReductions.softmax(m) }
  #expect(throws: MathError.zeroMass(row: 0)) { try RowReductions.logSoftmax(m) }
  let ok = Matrix<T>([[-inf, 0, -inf], [1, inf, inf]])
  let s = try RowReductions.softmax(ok), ls = try RowReductions.logSoftmax(ok)
  #expect(s.storage == [0, 1, 0, 0, 0.5, 0.5])
  #expect(ls[0, 0] == -inf && ls[0, 1] == 0 && ls[1, 0] == -inf && close(Double(ls[1, 1]), -log(2.0), 1e-6))
  // Empty rows.
  #expect(RowReductions.logSumExp(Matrix<T>(rows: 2, columns: 0)) == [-inf, -inf])
  // Large offset variance (Double only meaningful).
  if T.self == Double.self {
    let off = Matrix<T>([[T(1e8 + 1), T(1e8 + 2), T(1e8 + 3), T(1e8 + 4)]])
    let (mean, v) = RowReductions.meanAndVariance(off, correction: 1)
    #expect(mean[0] == T(1e8 + 2.5) && close(Double(v[0]), 5.0 / 3, 1e-12))
  }
}

@Test func specialValuesDouble() throws { try checkSpecialValues(Double.self) }
@Test func specialValuesFloat() throws { try checkSpecialValues(Float.self) }

private func checkNaN<T: BLASScalar>(_: T.Type) throws {
  let m = Matrix<T>([[1, 2, 3], [4, .nan, 6], [7, 8, .infinity]])
  let l = RowReductions.logSumExp(m)
  #expect(!l[0].isNaN && l[1].isNaN && l[2] == .infinity)
  let s = try RowReductions.softmax(m)
  #expect(s[1, 0].isNaN && !s[0, 0].isNaN)
  var out = [T](repeating: 0, count: 3)
  #expect(throws: MathError.nonFinite(row: 1, column: 1, value: .nan)) {
    try m.withUnsafeBufferPointer { (x) throws(MathError) in
      try out.withUnsafeMutableBufferPointer { (o) throws(MathError) in
        try RowReductions.logSumExpChecked(x, rows: 3, columns: 3, into: o)
      }
    }
  }
  #expect(throws: MathError.nonFinite(row: 1, column: 2, value: .infinity)) {
    try RowReductions.checkFinite(Matrix<T>([[1, 2, 3], [7, 8, .infinity]]))
  }
}

@Test func nanPropagatesAndCheckedThrowsDouble() throws { try checkNaN(Double.self) }
@Test func nanPropagatesAndCheckedThrowsFloat() throws { try checkNaN(Float.self) }

@Test func softmaxInPlace() throws {
  var m = Matrix<Double>([[1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 0, 0, 0, 0, 0, 0, 0, 0]])
  let expected = try RowReductions.softmax(m)
  try m.withUnsafeMutableBufferPointer { (buf) throws(MathError) in
    try RowReductions.softmax(UnsafeBufferPointer(buf), rows: 2, columns: 9, into: buf)
  }
  #expect(m == expected)
  #expect(m[1, 4] == 1.0 / 9)
}
