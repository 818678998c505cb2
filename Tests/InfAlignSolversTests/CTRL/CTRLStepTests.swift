import Foundation
import InfAlignSolvers
import Testing

/// Independent per-sample reference implementation (Double, plain loops, no buffers).
private struct Naive {
  var calibrated: [Double] = [], transformed: [Double] = [], advantages: [Double] = []
  var k1: [Double] = [], k2: [Double] = [], k3: [Double] = [], grad: [Double] = []
  var loss = 0.0
}

private func naiveCTRL(
  _ rewards: [[Double]], _ lp: [[Double]], _ lr: [[Double]], _ lo: [[Double]]?, transform: (Double) -> Double,
  loo: Bool, normalize: Bool, beta: Double, eps: Double, clamp: Double
) -> Naive {
  var out = Naive()
  var terms: [Double] = []
  for b in rewards.indices {
    let g = rewards[b].count
    var r: [Double] = []
    for i in 0..<g {
      var less = 0.0, eq = 0.0
      for j in 0..<g where j != i {
        if rewards[b][j] < rewards[b][i] { less += 1 } else if rewards[b][j] == rewards[b][i] { eq += 1 }
      }
      let c = (less + eq / 2) / Double(g - 1)
      out.calibrated.append(c)
      let phi = transform(c)
      out.transformed.append(phi)
      r.append(phi - beta * (lp[b][i] - lr[b][i]))
    }
    let mean = r.reduce(0, +) / Double(g)
    let std = (r.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(g)).squareRoot()
    for i in 0..<g {
      var a = loo ? r[i] - (r.reduce(0, +) - r[i]) / Double(g - 1) : r[i] - mean
      if normalize { a /= max(std, 1e-6) }
      out.advantages.append(a)
      let rho = lp[b][i] - lr[b][i]
      let rc = min(max(rho, -clamp), clamp)
      out.k1.append(rho); out.k2.append(rho * rho / 2); out.k3.append(exp(-rc) - 1 + rc)
      let ratio = exp(min(max(lp[b][i] - (lo?[b][i] ?? lp[b][i]), -clamp), clamp))
      let term = min(ratio * a, min(max(ratio, 1 - eps), 1 + eps) * a)
      terms.append(term)
      out.grad.append(ratio * a <= min(max(ratio, 1 - eps), 1 + eps) * a ? -ratio * a : 0)
    }
  }
  out.loss = -terms.reduce(0, +) / Double(terms.count)
  out.grad = out.grad.map { $0 / Double(terms.count) }
  return out
}

private func data(_ seed: UInt64, _ b: Int, _ g: Int) -> ([[Double]], [[Double]], [[Double]], [[Double]]) {
  var rng = TestRNG(seed)
  let rewards = (0..<b).map { _ in (0..<g).map { _ in Double(rng.int(0..<6)) + rng.uniform() * 0.1 } }
  let lp = (0..<b).map { _ in (0..<g).map { _ in -5 + rng.uniform(-1, 1) } }
  let lr = (0..<b).map { _ in (0..<g).map { _ in -5 + rng.uniform(-1, 1) } }
  let lo = lp.map { $0.map { $0 + 0.4 * (Double(Int($0 * 1000) % 3) - 1) } }
  return (rewards, lp, lr, lo)
}

@Test func ctrlStepMatchesNaive() throws {
  let (rewards, lp, lr, lo) = data(1, 4, 8)
  let transform = try Transform.exponential(rate: 3)
  for (loo, normalize, beta) in [(true, false, 0.0), (false, true, 0.1), (true, true, 0.05)] {
    let options = CTRLOptions(
      transform: transform, baseline: loo ? .leaveOneOut : .groupMean, scale: normalize ? .group : .none,
      klReward: .init(coefficient: beta, estimator: .k1))
    let result = try CTRLStep.run(
      rewards: Matrix(rewards), policyLogProbs: Matrix(lp), referenceLogProbs: Matrix(lr), oldPolicyLogProbs: Matrix(lo),
      calibration: .group, options: options)
    let naive = naiveCTRL(rewards, lp, lr, lo, transform: { exp(3 * $0) }, loo: loo, normalize: normalize, beta: beta,
                          eps: 0.2, clamp: 20)
    for j in 0..<32 {
      #expect(isClose(result.calibrated.storage[j], naive.calibrated[j], 1e-14))
      #expect(isClose(result.transformed.storage[j], naive.transformed[j], 1e-13))
      #expect(isClose(result.advantages.storage[j], naive.advantages[j], 1e-11))
      #expect(isClose(result.k1.storage[j], naive.k1[j], 1e-14) && isClose(result.k2.storage[j], naive.k2[j], 1e-14))
      #expect(isClose(result.k3.storage[j], naive.k3[j], 1e-13))
      #expect(isClose(result.lossGradient.storage[j], naive.grad[j], 1e-12))
    }
    #expect(isClose(result.summary.loss, naive.loss, 1e-12))
    #expect(result.summary.maskedCount == 0)
  }
}

@Test func lossGradientMatchesFiniteDifferences() throws {
  let (rewards, lp, lr, lo) = data(2, 3, 6)
  func loss(_ lpx: [[Double]]) throws -> Double {
    try CTRLStep.run(rewards: Matrix(rewards), policyLogProbs: Matrix(lpx), referenceLogProbs: Matrix(lr),
                     oldPolicyLogProbs: Matrix(lo), calibration: .group).summary.loss
  }
  let result = try CTRLStep.run(rewards: Matrix(rewards), policyLogProbs: Matrix(lp), referenceLogProbs: Matrix(lr),
                                oldPolicyLogProbs: Matrix(lo), calibration: .group)
  // The advantages do not depend on log π when klCoefficient = 0, so the surrogate's gradient is exact.
  let h = 1e-6
  for b in 0..<3 {
    for i in 0..<6 {
      var plus = lp, minus = lp
      plus[b][i] += h
      minus[b][i] -= h
      let ratio = exp(lp[b][i] - lo[b][i])
      if abs(ratio - 0.8) < 1e-3 || abs(ratio - 1.2) < 1e-3 { continue }  // clip kinks
      let fd = (try loss(plus) - loss(minus)) / (2 * h)
      #expect(abs(fd - result.lossGradient[b, i]) < 1e-8, "group \(b) sample \(i)")
    }
  }
}

@Test func tableCalibrationAndZeroVarianceGroups() throws {
  let refs = try CalibrationTable(references: [[0.0, 1, 2, 3], [5, 5, 5, 5]])
  let rewards = Matrix<Double>([[1.5, 2.5, 3.5], [7, 7, 7]])
  let zeros = Matrix<Double>(rows: 2, columns: 3)
  let result = try CTRLStep.run(
    rewards: rewards, policyLogProbs: zeros, referenceLogProbs: zeros, calibration: .table(refs),
    options: CTRLOptions(scale: .group))
  #expect(result.calibrated.storage == [0.5, 0.75, 1, 1, 1, 1])
  #expect(Array(result.advantages.row(1)) == [0, 0, 0])  // zero variance: 0, not NaN
  #expect(result.advantages.storage.allSatisfy { $0.isFinite })
  // k3 for small ρ by its series: ρ²/2 − ρ³/6 + ρ⁴/24 to full precision (expm1(−ρ) + ρ keeps ~7 digits at 1e-9),
  // and continuous across the switch to e^{−ρ} − 1 + ρ at |ρ| = ¼.
  let small = Matrix<Double>([[1e-9, -1e-4, 0.2499999], [0.25, -0.2499999, -0.25]])
  let k = try CTRLStep.run(rewards: rewards, policyLogProbs: small, referenceLogProbs: zeros, calibration: .table(refs))
  for (j, rho) in small.storage.enumerated() {
    // exp(−ρ) − 1 + ρ summed in Double from the series' first terms and a long tail: an independent form.
    let want = (2...30).reduce(0.0) { sum, n in sum + pow(-rho, Double(n)) / tgamma(Double(n + 1)) }
    #expect(isClose(k.k3.storage[j], want, 4e-15), "ρ = \(rho): \(k.k3.storage[j]) vs \(want)")
  }
  // Clamped: huge negative log-ratio stays finite.
  let huge = Matrix<Double>([[-1e4, 0, 0], [0, 0, 0]])
  let c = try CTRLStep.run(rewards: rewards, policyLogProbs: huge, referenceLogProbs: zeros, calibration: .table(refs))
  #expect(isClose(c.k3[0, 0], exp(20.0) - 1 - 20, 1e-12) && c.k1[0, 0] == -1e4)
}

@Test func ctrlStepFloat() throws {
  let rewards = Matrix<Float>([[1, 2, 3, 4], [4, 3, 2, 1]])
  let zeros = Matrix<Float>(rows: 2, columns: 4)
  let r = try CTRLStep.run(rewards: rewards, policyLogProbs: zeros, referenceLogProbs: zeros, calibration: .group)
  #expect(Array(r.calibrated.row(0)) == [0, Float(1) / 3, Float(2) / 3, 1])
  #expect(r.advantages.storage.allSatisfy { $0.isFinite })
}

@Test func nonFiniteInputsThrowOrMask() throws {
  let rewards = Matrix<Double>([[1, .nan, 3], [1, 2, 3]])
  let zeros = Matrix<Double>(rows: 2, columns: 3)
  #expect(throws: InfAlignError.nonFinite(field: "reward", prompt: 0, index: 1, value: .nan)) {
    try CTRLStep.run(rewards: rewards, policyLogProbs: zeros, referenceLogProbs: zeros, calibration: .group)
  }
  var lp = zeros
  lp[1, 2] = -.infinity
  #expect(throws: InfAlignError.nonFinite(field: "policy log-prob", prompt: 1, index: 2, value: -.infinity)) {
    try CTRLStep.run(rewards: Matrix([[1, 2, 3], [1, 2, 3]]), policyLogProbs: lp, referenceLogProbs: zeros,
                     calibration: .group)
  }
  let masked = try CTRLStep.run(rewards: rewards, policyLogProbs: lp, referenceLogProbs: zeros, calibration: .group,
                                options: CTRLOptions(nonFinite: .mask))
  #expect(masked.summary.maskedCount == 2)
  #expect(masked.valid == [true, false, true, true, true, false])
  for m in [masked.calibrated, masked.transformed, masked.advantages, masked.k1, masked.k2, masked.k3,
            masked.lossGradient] {
    #expect(m.storage.allSatisfy { $0.isFinite })
  }
  #expect(masked.summary.loss.isFinite)
  #expect(masked.calibrated[0, 0] == 0 && masked.calibrated[0, 2] == 1)  // calibrated among the valid pair
  #expect(throws: InfAlignError.emptyReferences(prompt: 0, count: 1)) {
    try CTRLStep.run(rewards: Matrix([[1.0], [2]]), policyLogProbs: Matrix(rows: 2, columns: 1),
                     referenceLogProbs: Matrix(rows: 2, columns: 1), calibration: .group)
  }
}

@Test func transformOverflowInFloatIsATypedError() throws {
  let rewards = Matrix<Float>([[1, 2, 3, 4]])
  let zeros = Matrix<Float>(rows: 1, columns: 4)
  #expect(throws: InfAlignError.self) {
    try CTRLStep.run(rewards: rewards, policyLogProbs: zeros, referenceLogProbs: zeros, calibration: .group,
                     options: CTRLOptions(transform: try .exponential(rate: 200)))
  }
  // The same in Double is fine.
  let r = try CTRLStep.run(rewards: Matrix<Double>([[1, 2, 3, 4]]), policyLogProbs: Matrix(rows: 1, columns: 4),
                           referenceLogProbs: Matrix(rows: 1, columns: 4), calibration: .group,
                           options: CTRLOptions(transform: try .exponential(rate: 200)))
  #expect(r.advantages.storage.allSatisfy { $0.isFinite })
}

/// Group calibration counts directly for groups up to 64 samples and sorts beyond: both equal the brute-force
/// leave-one-out mid-rank `(#less + ½·#equal among the others) / (G − 1)`, ties included.
@Test(arguments: [16, 64, 65, 200])
func groupCalibrationMatchesBruteForce(groupSize: Int) throws {
  var rng = TestRNG(UInt64(groupSize))
  let rewards = (0..<(2 * groupSize)).map { _ in Double(rng.int(0..<(groupSize / 3))) }
  let zeros = Matrix<Double>(rows: 2, columns: groupSize)
  let result = try CTRLStep.run(
    rewards: Matrix(rows: 2, columns: groupSize, storage: rewards), policyLogProbs: zeros, referenceLogProbs: zeros,
    calibration: .group)
  for b in 0..<2 {
    let row = Array(rewards[(b * groupSize)..<((b + 1) * groupSize)])
    for (i, r) in row.enumerated() {
      let less = row.filter { $0 < r }.count, equal = row.filter { $0 == r }.count - 1
      let want = (Double(less) + 0.5 * Double(equal)) / Double(groupSize - 1)
      #expect(result.calibrated[b, i] == want, "G = \(groupSize), prompt \(b), sample \(i)")
    }
  }
}

/// Token level: the first non-finite input a sample's kept tokens hold is named with its token position; tokens the
/// mask drops are not checked; the reward is named without one.
@Test func nonFiniteTokensAreNamedWithTheirPosition() throws {
  let groups = 1, g = 3, nt = 4
  let rewards: [Double] = [1, 2, 3]
  var lp = [Double](repeating: -1, count: g * nt), lr = lp, old = lp
  let mask = (0..<(g * nt)).map { $0 != 1 * nt + 0 }  // sample 1 drops token 0
  lp[1 * nt + 0] = .nan  // masked out: ignored
  lr[1 * nt + 2] = .infinity
  old[2 * nt + 3] = -.infinity
  func step(_ rewards: [Double], _ old: [Double]? = nil) throws(InfAlignError) {
    _ = try CTRLStep.run(
      groups: groups, groupSize: g, maxTokens: nt, rewards: rewards, policyLogProbs: lp, referenceLogProbs: lr,
      oldPolicyLogProbs: old, mask: mask, calibration: .group)
  }
  #expect(throws: InfAlignError.nonFinite(field: "reference log-prob (token 2)", prompt: 0, index: 1, value: .infinity)) {
    try step(rewards)
  }
  lr[1 * nt + 2] = -1
  #expect(throws: InfAlignError.nonFinite(field: "old policy log-prob (token 3)", prompt: 0, index: 2, value: -.infinity)) {
    try step(rewards, old)
  }
  #expect(throws: InfAlignError.nonFinite(field: "reward", prompt: 0, index: 0, value: .nan)) {
    try step([.nan, 2, 3], old)
  }
}
