import Foundation
import InfAlignMath
import Testing

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
