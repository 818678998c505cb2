import Foundation
import InfAlignMath
import Testing

private func checkCategorical<T: BLASScalar>(_: T.Type) throws {
  var g = Xoshiro256StarStar(seed: 5)
  let logits = Matrix<T>([[0, 1, 2, -.infinity], [-.infinity, 0, -.infinity, -.infinity]])
  let n = 60_000
  let draws = try CategoricalSampling.sample(logits: logits, samplesPerRow: n, using: &g)
  var counts = [0, 0, 0, 0]
  for k in 0..<n { counts[draws[k]] += 1 }
  #expect(counts[3] == 0)
  #expect(draws[n...].allSatisfy { $0 == 1 })
  let z = 1 + M_E + M_E * M_E
  let p = [1 / z, M_E / z, M_E * M_E / z]
  var chi2 = 0.0
  for k in 0..<3 { chi2 += pow(Double(counts[k]) - Double(n) * p[k], 2) / (Double(n) * p[k]) }
  #expect(chi2 < 20)  // 2 degrees of freedom: P(χ² > 20) ≈ 4.5e-5
  #expect(throws: MathError.zeroMass(row: 1)) {
    try CategoricalSampling.sample(logits: Matrix<T>([[0, 1], [-.infinity, -.infinity]]), using: &g)
  }
  #expect(throws: MathError.nonFinite(row: 0, column: 1, value: .nan)) {
    try CategoricalSampling.sample(logits: Matrix<T>([[0, .nan]]), using: &g)
  }
}

@Test func categoricalDouble() throws { try checkCategorical(Double.self) }
@Test func categoricalFloat() throws { try checkCategorical(Float.self) }
