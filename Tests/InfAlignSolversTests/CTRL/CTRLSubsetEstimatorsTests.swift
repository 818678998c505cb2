import Foundation
import InfAlignSolvers
import Testing

/// All k-subsets of `0..<n` (as index arrays).
private func subsets(_ n: Int, _ k: Int) -> [[Int]] {
  if k == 0 { return [[]] }
  if n < k { return [] }
  return subsets(n - 1, k) + subsets(n - 1, k - 1).map { $0 + [n - 1] }
}

private func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }

/// Brute force: for sample i, the mean of max(K) over the k-subsets K ∋ i, and the baselines by enumeration.
private func bruteForce(_ r: [Double], k: Int, baseline: CTRLOptions.KBaseline) -> [Double] {
  let n = r.count
  let all = subsets(n, k)
  let rhoAll = mean(all.map { s in s.map { r[$0] }.max()! })
  return (0..<n).map { i in
    let containing = all.filter { $0.contains(i) }.map { s in s.map { r[$0] }.max()! }
    let m = mean(containing)
    let others = (0..<n).filter { $0 != i }
    switch baseline {
    case .none: return m
    case .groupMean: return m - rhoAll
    case .leaveOneOut: return m - mean(subsets(others.count, k).map { s in s.map { r[others[$0]] }.max()! })
    case .marginal:
      return m - mean(subsets(others.count, k - 1).map { s in s.map { r[others[$0]] }.max()! })
    }
  }
}

private func advantages(_ rewards: [[Double]], _ estimator: CTRLOptions.Estimator) throws -> [Double] {
  let g = rewards[0].count
  let x = PeerBatch(
    b: rewards.count, g: g, t: 1, rewards: rewards.flatMap { $0 }, lp: [Double](repeating: -1, count: rewards.count * g),
    ref: [Double](repeating: -1, count: rewards.count * g), old: [Double](repeating: -1, count: rewards.count * g),
    mask: [Bool](repeating: true, count: rewards.count * g))
  return try runStep(Double.self, x, CTRLOptions(estimator: estimator, baseline: .none), withOld: false)
    .advantages.storage
}

/// max@k and pass@k advantages for every k ≤ G and every baseline, against enumeration of all k-subsets, on groups
/// with ties (continuous and binary), within 1e-12.
@Test func subsetEstimatorsMatchEnumeration() throws {
  var rng = TestRNG(21)
  for g in [1, 2, 3, 5, 8] {
    let continuous = (0..<3).map { _ in (0..<g).map { _ in Double(rng.int(0..<4)) + 0.25 } }
    let binary = (0..<3).map { _ in (0..<g).map { _ in Double(rng.int(0..<2)) } }
    for k in 1...g {
      for baseline in [CTRLOptions.KBaseline.none, .groupMean, .leaveOneOut, .marginal] {
        if baseline == .leaveOneOut && k > g - 1 || baseline == .marginal && k < 2 { continue }
        for (rows, estimator) in [(continuous, CTRLOptions.Estimator.maxAtK(k: k, baseline: baseline)),
                                  (binary, .passAtK(k: k, baseline: baseline))] {
          let got = try advantages(rows, estimator)
          let want = rows.flatMap { bruteForce($0, k: k, baseline: baseline) }
          for s in want.indices { ctrlClose(got[s], want[s], 1e-12, "G \(g) k \(k) \(baseline) sample \(s)") }
        }
      }
      // Analytic pass@k (arXiv 2508.10751): (m_i − ρ̂)/√(ρ̂(1 − ρ̂)), from enumeration.
      let got = try advantages(binary, .analyticPassAtK(k: k))
      for (b, row) in binary.enumerated() {
        let rho = mean(subsets(g, k).map { s in s.map { row[$0] }.max()! })
        let sigma = (rho * (1 - rho)).squareRoot()
        let want = bruteForce(row, k: k, baseline: .groupMean).map { sigma > 0 ? $0 / sigma : 0 }
        for i in 0..<g { ctrlClose(got[b * g + i], want[i], 1e-12, "analytic G \(g) k \(k)") }
      }
    }
  }
  // k = G with the marginal baseline is verl's grpo_passk without the std: max − max of the others, 0 on ties.
  let row = [1.0, 3, 3, 2, 0.5]
  #expect(try advantages([row], .maxAtK(k: 5, baseline: .marginal)) == [0, 0, 0, 0, 0])
  #expect(try advantages([[1.0, 3, 2.5]], .maxMinusSecond) == [0, 0.5, 0])
}

/// Large groups (the heap sort and long recurrences) against enumeration where it is cheap: k = 1, 2, G − 1, G.
@Test func subsetEstimatorsOnLargeGroups() throws {
  var rng = TestRNG(22)
  let g = 40
  let row = (0..<g).map { _ in Double(rng.int(0..<10)) }
  for k in [1, 2, g - 1, g] {
    let got = try advantages([row], .maxAtK(k: k, baseline: .none))
    let want = bruteForce(row, k: k, baseline: .none)
    for i in 0..<g { ctrlClose(got[i], want[i], 1e-12, "G 40 k \(k) sample \(i)") }
  }
}

/// pass@k needs binary rewards, k within the group: typed errors naming the prompt and sample.
@Test func subsetEstimatorErrors() throws {
  #expect(throws: InfAlignError.self) { try advantages([[0, 1, 0.5]], .passAtK(k: 2, baseline: .none)) }
  #expect(throws: InfAlignError.self) { try advantages([[0, 1, 1]], .maxAtK(k: 4, baseline: .none)) }
  #expect(throws: InfAlignError.self) { try advantages([[0, 1, 1]], .maxAtK(k: 3, baseline: .leaveOneOut)) }
  #expect(throws: InfAlignError.self) { try advantages([[0, 1, 1]], .maxAtK(k: 1, baseline: .marginal)) }
  #expect(throws: InfAlignError.self) { try advantages([[1]], .maxMinusSecond) }
}

/// Best-of-N distillation: `(N − 1)·log max(F̂, ε)` of the calibrated reward, worst-of-N `(N − 1)·log max(1 − F̂, ε)`.
@Test func distillationRewards() throws {
  let rewards = Matrix<Double>([[1, 2, 2, 4, 0]])
  let zeros = Matrix<Double>(rows: 1, columns: 5)
  for (estimator, f) in [(CTRLOptions.Estimator.bestOfNDistillation(n: 8), { (c: Double) in 7 * log(max(c, 1e-6)) }),
                         (.worstOfNDistillation(n: 8), { (c: Double) in 7 * log(max(1 - c, 1e-6)) })] {
    let r = try CTRLStep.run(rewards: rewards, policyLogProbs: zeros, referenceLogProbs: zeros, calibration: .group,
                             options: CTRLOptions(estimator: estimator, baseline: .none))
    for i in 0..<5 {
      #expect(r.transformed.storage[i] == f(r.calibrated.storage[i]))
      #expect(r.advantages.storage[i] == r.transformed.storage[i])
    }
  }
  #expect(throws: InfAlignError.self) {
    try CTRLStep.run(rewards: rewards, policyLogProbs: zeros, referenceLogProbs: zeros, calibration: .none,
                     options: CTRLOptions(estimator: .bestOfNDistillation(n: 4)))
  }
}
