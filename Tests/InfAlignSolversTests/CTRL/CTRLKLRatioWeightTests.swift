import Foundation
import InfAlignSolvers
import InfAlignTestSupport
import Testing

/// ``CTRLOptions/klLossRatioWeighted`` (TRL 1.16's `use_bias_correction_kl`) against the formulas written out here:
/// the KL loss of each token times the importance ratio `r` (per token, or the sequence's `exp(mean log-ratio)`),
/// and its gradient `β·w·(k3′·r + k3·∂r/∂log π)`, the weighted step less the unweighted one (the policy term is
/// the same in both). Sequence inputs (one token) and token inputs, every ratio level TRL has.

private struct Inputs<T: BLASScalar> {
  let b: Int, g: Int, t: Int
  let rewards: [T], lp: [T], ref: [T], old: [T], mask: [Bool]

  init(b: Int, g: Int, t: Int, seed: UInt64) {
    var rng = TestRNG(seed)
    let n = b * g, nt = n * t
    (self.b, self.g, self.t) = (b, g, t)
    rewards = (0..<n).map { _ in T(rng.normal()) }
    lp = (0..<nt).map { _ in T(-2 + 0.3 * rng.normal()) }
    ref = lp.map { $0 + T(0.5 * rng.normal()) }
    old = lp.map { $0 + T(0.3 * rng.normal()) }  // ratios outside [0.8, 1.2]
    mask = (0..<nt).map { k in t == 1 || (k % t == 0 || rng.uniform() > 0.2) }
  }

  func run(_ options: CTRLOptions) throws -> (gradient: [T], summary: CTRLSummary) {
    let run = try runTokenStep(
      groups: b, groupSize: g, maxTokens: t, rewards: rewards, policy: lp, reference: ref, old: old,
      mask: t > 1 ? mask : nil, k3: false, options: options, threads: 1)
    return (run.gradient, run.summary)
  }
}

func checkKLRatioWeightIsTheRatioTimesTheKLTerm<T: BLASScalar>(_: T.Type) throws {
  let beta = 0.04
  let tol = T.self == Double.self ? 1e-12 : 2e-5
  for (t, level) in [(1, CTRLOptions.RatioLevel.token), (7, .token), (7, .sequenceMean), (7, .sequenceSum)] {
    let x = Inputs<T>(b: 5, g: 4, t: t, seed: 21)
    var plain = CTRLPreset.trlGRPO.options
    plain.klLoss = .init(coefficient: beta, estimator: .k3)
    plain.ratioLevel = level
    var weighted = CTRLPreset.trl116GRPO.options
    weighted.klLoss = plain.klLoss
    weighted.ratioLevel = level
    #expect(weighted.klLossRatioWeighted && !plain.klLossRatioWeighted)
    let p = try x.run(plain), w = try x.run(weighted)
    // Written out: token-mean aggregation (TRL's dapo on one process), k3 of ρ = log π − log π_ref unclamped.
    let tokens = x.mask.filter { $0 }.count
    let a = 1 / Double(tokens)
    var klLoss = 0.0
    var expected = [Double](repeating: 0, count: x.lp.count)
    for j in 0..<(x.b * x.g) {
      let range = (j * t)..<((j + 1) * t)
      let valid = range.filter { x.mask[$0] }
      var logRatio = valid.reduce(0.0) { $0 + Double(x.lp[$1]) - Double(x.old[$1]) }
      if level == .sequenceMean { logRatio /= Double(valid.count) }
      var shared = 0.0
      for k in valid {
        let rho = Double(x.lp[k]) - Double(x.ref[k])
        let k3 = Double.exp(-rho) - 1 + rho, slope = 1 - Double.exp(-rho)
        let r = Double.exp(level == .token ? Double(x.lp[k]) - Double(x.old[k]) : logRatio)
        klLoss += a * beta * k3 * r
        expected[k] = a * beta * slope * (r - 1)  // the weighted term's slope less the plain one's
        if level == .token {
          expected[k] += a * beta * k3 * r
        } else {
          shared += a * beta * k3 * r * (level == .sequenceMean ? 1 / Double(valid.count) : 1)
        }
      }
      for k in valid { expected[k] += shared }
    }
    #expect(isRelativelyClose(w.summary.klLoss, klLoss, tol), "t=\(t) \(level): kl_loss")
    #expect(isRelativelyClose(w.summary.policyLoss, p.summary.policyLoss, tol), "t=\(t) \(level): policy loss")
    #expect(isRelativelyClose(w.summary.meanK3, p.summary.meanK3, tol), "the k3 report is the estimator's")
    let scale = Swift.max(1, expected.map(Swift.abs).max()!)
    for k in expected.indices {
      let got = Double(w.gradient[k]) - Double(p.gradient[k])
      #expect(Swift.abs(got - expected[k]) <= tol * scale, "t=\(t) \(level): token \(k)")
      if !x.mask[k] { #expect(w.gradient[k] == 0) }
    }
  }
  // Without a KL loss the flag changes nothing; the text form is a flag.
  let x = Inputs<T>(b: 3, g: 4, t: 5, seed: 3)
  let a = try x.run(CTRLPreset.trlGRPO.options), b = try x.run(CTRLPreset.trl116GRPO.options)
  #expect(a.gradient == b.gradient && a.summary.loss == b.summary.loss)
  var o = CTRLOptions(), calibration = CTRLPreset.Calibration.group
  try CTRLOptionKey.klLossRatioWeight.apply("true", to: &o, calibration: &calibration)
  #expect(o.klLossRatioWeighted)
  #expect(throws: InfAlignError.self) {
    try CTRLOptionKey.klLossRatioWeight.apply("sometimes", to: &o, calibration: &calibration)
  }
}

@Test func klRatioWeightIsTheRatioTimesTheKLTermDouble() throws {
  try checkKLRatioWeightIsTheRatioTimesTheKLTerm(Double.self)
}
@Test func klRatioWeightIsTheRatioTimesTheKLTermFloat() throws {
  try checkKLRatioWeightIsTheRatioTimesTheKLTerm(Float.self)
}
