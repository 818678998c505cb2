import Foundation
import InfAlignSolvers
import Testing

/// Brute force: enumerate every N-tuple of draws from each side (K^N each), serve the max (best-of-N) or min
/// (worst-of-N) reward, and count wins with ties ½.
private func bruteForce(p: [Double], q: [Double], rewards: [Double], n: Int, best: Bool) -> Double {
  let k = rewards.count
  func served(_ probs: [Double]) -> [(reward: Double, probability: Double)] {
    var out: [(Double, Double)] = []
    var index = [Int](repeating: 0, count: n)
    while true {
      var probability = 1.0
      var reward = best ? -Double.infinity : .infinity
      for i in index {
        probability *= probs[i]
        reward = best ? max(reward, rewards[i]) : min(reward, rewards[i])
      }
      out.append((reward, probability))
      var d = 0
      while d < n && index[d] == k - 1 { index[d] = 0; d += 1 }
      if d == n { return out }
      index[d] += 1
    }
  }
  var w = 0.0
  for (a, pa) in served(p) {
    for (b, pb) in served(q) { w += pa * pb * (a > b ? 1 : a == b ? 0.5 : 0) }
  }
  return w
}

@Test(arguments: [(1, true), (2, true), (3, true), (2, false), (3, false)])
func discreteWinRateMatchesEnumeration(n: Int, best: Bool) throws {
  var rng = Xoshiro256StarStar(seed: 11)
  let k = 5
  // Ties on purpose: rewards from {0, 1, 2}.
  let rewards = (0..<(2 * k)).map { _ in Double(Int.random(in: 0...2, using: &rng)) }
  func normalizedLogs() -> [Double] {
    let raw = (0..<k).map { _ in Double.random(in: 0.05...1, using: &rng) }
    return raw.map { log($0 / raw.reduce(0, +)) }
  }
  let lp = normalizedLogs() + normalizedLogs(), lr = normalizedLogs() + normalizedLogs()
  let procedure = try best ? Procedure.bestOf(n) : Procedure.worstOf(n)
  let r = try DiscreteWinRate.perPrompt(
    logPolicy: Matrix(rows: 2, columns: k, storage: lp), referenceLogProbs: Matrix(rows: 2, columns: k, storage: lr),
    rewards: Matrix(rows: 2, columns: k, storage: rewards), procedure: procedure)
  for b in 0..<2 {
    let slice = b * k..<(b + 1) * k
    let expected = bruteForce(p: lp[slice].map(exp), q: lr[slice].map(exp), rewards: Array(rewards[slice]), n: n,
                              best: best)
    let standard = bruteForce(p: lp[slice].map(exp), q: lr[slice].map(exp), rewards: Array(rewards[slice]), n: 1,
                              best: true)
    #expect(abs(r.winRate[b] - expected) <= 1e-14, "prompt \(b): \(r.winRate[b]) vs \(expected)")
    #expect(abs(r.standard[b] - standard) <= 1e-14)
  }
}

@Test func discreteWinRateOfTheReferenceItselfIsOneHalf() throws {
  let lp = Matrix(rows: 1, columns: 4, storage: [0.1, 0.2, 0.3, 0.4].map(log))
  let rewards = Matrix(rows: 1, columns: 4, storage: [3.0, 1.0, 1.0, 2.0])
  let r = try DiscreteWinRate.mean(logPolicy: lp, referenceLogProbs: lp, rewards: rewards, procedure: .bestOf(8))
  #expect(abs(r.winRate - 0.5) <= 1e-15 && abs(r.standard - 0.5) <= 1e-15)
}

@Test func discreteWinRateRejectsBadInput() {
  let ok = Matrix(rows: 1, columns: 2, storage: [log(0.5), log(0.5)])
  #expect(throws: InfAlignError.self) {
    try DiscreteWinRate.mean(logPolicy: ok, referenceLogProbs: Matrix(rows: 1, columns: 3, storage: [0, 0, 0]),
                             rewards: ok, procedure: .standard)
  }
  #expect(throws: InfAlignError.self) {
    try DiscreteWinRate.mean(logPolicy: ok, referenceLogProbs: ok,
                             rewards: Matrix(rows: 1, columns: 2, storage: [1, .nan]), procedure: .standard)
  }
}
