import Foundation
import InfAlignSolvers
import Testing

/// All k-subsets of 0..<n.
private func subsets(_ n: Int, _ k: Int) -> [[Int]] {
  if k == 0 { return [[]] }
  if n < k { return [] }
  return subsets(n - 1, k) + subsets(n - 1, k - 1).map { $0 + [n - 1] }
}

/// Brute force: average over all pairs of N-subsets of max(policy) vs max(reference), ties ½ (min for WoN).
private func bruteForce(_ x: [Double], _ y: [Double], _ n: Int, worst: Bool) -> Double {
  var total = 0.0, count = 0.0
  for s in subsets(x.count, n) {
    let a = worst ? s.map { x[$0] }.min()! : s.map { x[$0] }.max()!
    for t in subsets(y.count, n) {
      let b = worst ? t.map { y[$0] }.min()! : t.map { y[$0] }.max()!
      total += a > b ? 1 : (a == b ? 0.5 : 0)
      count += 1
    }
  }
  return total / count
}

@Test func estimatorMatchesSubsetEnumeration() throws {
  var rng = TestRNG(11)
  for trial in 0..<40 {
    let n = 1 + rng.int(0..<7), m = 1 + rng.int(0..<7)
    // Small integer rewards: many ties within and across the sides.
    let x = (0..<n).map { _ in Double(rng.int(0..<4)) }, y = (0..<m).map { _ in Double(rng.int(0..<4)) }
    for big in 1...min(n, m) {
      for worst in [false, true] {
        let procedure = try worst ? Procedure.worstOf(big) : Procedure.bestOf(big)
        let estimate = try EmpiricalWinRate.estimate(policy: x, reference: y, procedure: procedure)
        let exact = bruteForce(x, y, big, worst: worst)
        #expect(abs(estimate - exact) <= 1e-12, "trial \(trial) N=\(big) worst=\(worst): \(x) vs \(y)")
      }
    }
  }
}

@Test func standardIsMannWhitney() throws {
  let x: [Float] = [1, 3, 3, 7], y: [Float] = [2, 3, 5]
  var u = 0.0
  for a in x { for b in y { u += a > b ? 1 : (a == b ? 0.5 : 0) } }
  #expect(try EmpiricalWinRate.estimate(policy: x, reference: y, procedure: .standard) == u / 12)
  #expect(try EmpiricalWinRate.estimate(policy: x, reference: y, procedure: .bestOf(1)) == u / 12)
}

/// Against simulation of actual best-of-N sampling from two known distributions: policy N(0.5, 1) and reference
/// N(0, 1). The estimator's mean over many independent sample sets matches the true BoN win rate, which we get by
/// simulating many BoN pairs (5-sigma bound).
@Test func estimatorMatchesMonteCarloBestOfN() throws {
  var rng = TestRNG(5)
  let n = 4
  var simulated = 0.0
  let pairs = 200_000
  for _ in 0..<pairs {
    let a = (0..<n).map { _ in rng.normal() + 0.5 }.max()!, b = (0..<n).map { _ in rng.normal() }.max()!
    simulated += a > b ? 1 : 0
  }
  simulated /= Double(pairs)
  var estimates: [[Double]] = [], references: [[Double]] = []
  for _ in 0..<400 {
    estimates.append((0..<32).map { _ in rng.normal() + 0.5 })
    references.append((0..<32).map { _ in rng.normal() })
  }
  let perPrompt = try EmpiricalWinRate.estimate(policy: estimates, reference: references, procedure: .bestOf(n))
  let mean = perPrompt.reduce(0, +) / Double(perPrompt.count)
  let sd = (perPrompt.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(perPrompt.count - 1)).squareRoot()
  #expect(abs(mean - simulated) < 5 * (sd / Double(perPrompt.count).squareRoot() + 0.5 / Double(pairs).squareRoot()))
}

@Test func estimatorErrors() {
  #expect(throws: InfAlignError.self) { try EmpiricalWinRate.estimate(policy: [1.0, 2], reference: [1.0], procedure: .bestOf(2)) }
  #expect(throws: InfAlignError.nonFinite(field: "reference reward", prompt: 0, index: 1, value: .nan)) {
    try EmpiricalWinRate.estimate(policy: [1.0, 2], reference: [1.0, .nan], procedure: .standard)
  }
  #expect(throws: InfAlignError.self) { try EmpiricalWinRate.estimate(policy: [Double](), reference: [1.0], procedure: .standard) }
  #expect(throws: InfAlignError.self) {
    try EmpiricalWinRate.estimate(policy: [1.0, 2], reference: [1.0, 3], procedure: .orderStatistic(1, of: 2))
  }
  #expect(throws: InfAlignError.self) {
    try EmpiricalWinRate.estimate(policy: [[1.0]], reference: [[1.0], [2.0]], procedure: .standard)
  }
}

@Test func bootstrapIsReproducibleAndContainsTheEstimate() throws {
  var rng = TestRNG(3)
  let values = (0..<200).map { _ in rng.uniform() }
  let a = try Bootstrap.meanInterval(values, resamples: 500, seed: 7)
  let b = try Bootstrap.meanInterval(values, resamples: 500, seed: 7)
  #expect(a == b)
  #expect(a.lower <= a.estimate && a.estimate <= a.upper)
  // The standard error of a mean of 200 uniforms is ~ (1/√12)/√200 ≈ 0.0204.
  #expect(abs(a.standardError - 0.0204) < 0.004)
  #expect(try Bootstrap.meanInterval(values, resamples: 500, seed: 8) != a)
  #expect(throws: InfAlignError.self) { try Bootstrap.meanInterval([], resamples: 10) }
  #expect(throws: InfAlignError.self) { try Bootstrap.meanInterval([1], level: 1.5) }
}
