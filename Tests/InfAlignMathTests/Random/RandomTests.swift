import Foundation
import InfAlignMath
import Testing

@Test func xoshiroReferenceOutputs() {
  // Reference values from the authors' algorithm (independent Python implementation).
  var g = Xoshiro256StarStar(state: (1, 2, 3, 4))
  #expect([g.next(), g.next(), g.next(), g.next()] == [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240])
  var s = Xoshiro256StarStar(seed: 42)
  #expect([s.next(), s.next(), s.next()] == [1_546_998_764_402_558_742, 6_990_951_692_964_543_102, 12_544_586_762_248_559_009])
  var a = Xoshiro256StarStar(seed: 7), b = Xoshiro256StarStar(seed: 7)
  #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
  var j = Xoshiro256StarStar(seed: 7)
  j.jump()
  #expect(j != Xoshiro256StarStar(seed: 7))
}

private func checkMoments<T: BLASScalar>(_: T.Type) {
  var g = Xoshiro256StarStar(seed: 99)
  let n = 200_000
  let u: [T] = Random.uniforms(count: n, using: &g)
  #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
  let mu = u.reduce(0.0) { $0 + Double($1) } / Double(n)
  #expect(abs(mu - 0.5) < 5 * (1.0 / 12).squareRoot() / Double(n).squareRoot())
  let z: [T] = Random.normals(count: n, using: &g)
  let zm = z.reduce(0.0) { $0 + Double($1) } / Double(n)
  let zv = z.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n) - zm * zm
  let k4 = z.reduce(0.0) { $0 + pow(Double($1), 4) } / Double(n)
  #expect(abs(zm) < 5 / Double(n).squareRoot())
  #expect(abs(zv - 1) < 5 * 2.0.squareRoot() / Double(n).squareRoot())
  #expect(abs(k4 - 3) < 0.15)
  // Kolmogorov–Smirnov against Φ on a subsample.
  let sample = z.prefix(20_000).map(Double.init).sorted()
  var d = 0.0
  for (i, x) in sample.enumerated() {
    let cdf = 0.5 * erfc(-x / 2.0.squareRoot())
    d = max(d, abs(cdf - Double(i) / Double(sample.count)), abs(cdf - Double(i + 1) / Double(sample.count)))
  }
  #expect(d < 1.95 / Double(sample.count).squareRoot() * 1.5)
  var gum = 0.0
  for _ in 0..<n { gum += Double(Random.gumbel(using: &g) as T) }
  #expect(abs(gum / Double(n) - 0.5772156649015329) < 5 * (Double.pi / 6.0.squareRoot()) / Double(n).squareRoot())
  for _ in 0..<1000 { let o: T = Random.openUniform(using: &g); #expect(o > 0 && o < 1) }
}

@Test func distributionMomentsDouble() { checkMoments(Double.self) }
@Test func distributionMomentsFloat() { checkMoments(Float.self) }

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
