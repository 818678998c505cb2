import Foundation
import InfAlignSolvers
import Testing

private func invalidName(_ options: CTRLOptions) -> String? {
  do {
    try options.validate()
    return nil
  } catch {
    if case let .invalidParameter(name, _, reason) = error, !reason.isEmpty { return name }
    return "\(error)"
  }
}

/// Every option out of its domain is a typed error naming it (issue 11: `clipEpsilon < 0`, `logRatioClamp ≤ 0`,
/// NaN β, `stdFloor < 0` and `stdFloor = 0` with a zero-variance group used to give NaN silently).
@Test func optionsAreValidated() throws {
  func with(_ change: (inout CTRLOptions) -> Void) -> CTRLOptions {
    var o = CTRLOptions()
    change(&o)
    return o
  }
  let cases: [(String, CTRLOptions)] = [
    ("clipLow", with { $0.clipLow = -0.1 }), ("clipLow", with { $0.clipLow = 1 }), ("clipLow", with { $0.clipLow = .nan }),
    ("clipHigh", with { $0.clipHigh = -0.2 }), ("clipHigh", with { $0.clipHigh = .infinity }),
    ("logRatioClamp", with { $0.logRatioClamp = 0 }), ("logRatioClamp", with { $0.logRatioClamp = -3 }),
    ("logRatioClamp", with { $0.logRatioClamp = .nan }),
    ("klReward.coefficient", with { $0.klReward = .init(coefficient: .nan, estimator: .k1) }),
    ("klLoss.coefficient", with { $0.klLoss = .init(coefficient: -1, estimator: .k3) }),
    ("klLoss.clamp", with { $0.klLoss = .init(coefficient: 1, estimator: .k3, clamp: 0) }),
    ("stdFloor", with { $0.stdFloor = -1 }), ("stdEpsilon", with { $0.stdEpsilon = .nan }),
    ("stdFloor", with { ($0.scale, $0.stdFloor, $0.stdEpsilon) = (.group, 0, 0) }),
    ("dualClip", with { $0.dualClip = 1 }), ("ratioCap", with { $0.ratioCap = 0.5 }),
    ("k", with { $0.estimator = .maxAtK(k: 0, baseline: .none) }), ("N", with { $0.estimator = .bestOfNDistillation(n: 0) }),
    ("distillationEpsilon", with { $0.distillationEpsilon = 0 }),
    ("lengthEpsilon", with { $0.aggregation = .sequenceMeanTokenMean(lengthEpsilon: -1, lengthFloorOne: false) }),
  ]
  for (name, options) in cases { #expect(invalidName(options) == name, "\(name)") }
  for preset in CTRLPreset.allCases { #expect(invalidName(preset.options) == nil, "\(preset)") }
  #expect(throws: InfAlignError.self) { try CTRLPreset.named("verl") }
  #expect(try CTRLPreset.named("trl-grpo") == .trlGRPO)
}

/// Finite inputs give finite outputs or a typed error naming the sample (issue 11): |ρ| ~ 1e300 used to give
/// k1 = NaN, k2 = ∞ and NaN advantages with a KL coefficient.
@Test func extremeLogProbsAreTypedErrors() throws {
  let rewards = Matrix<Double>([[1, 2, 3]])
  let ref = Matrix<Double>(rows: 1, columns: 3)
  let huge = Matrix<Double>([[-1, 1e300, -1]])
  do {
    _ = try CTRLStep.run(rewards: rewards, policyLogProbs: huge, referenceLogProbs: ref, calibration: .group,
                         options: CTRLOptions(klReward: .init(coefficient: 0.1, estimator: .k1)))
    Issue.record("no error")
  } catch {
    guard case let .nonFinite(_, prompt, index, _) = error else { Issue.record("\(error)"); return }
    #expect(prompt == 0 && index == 1)
  }
  let overflow = Matrix<Double>([[-1, 1.7e308, -1]])
  #expect(throws: InfAlignError.self) {
    try CTRLStep.run(rewards: rewards, policyLogProbs: overflow, referenceLogProbs: Matrix([[0, -1.7e308, 0]]),
                     calibration: .group)
  }
  // In Float, ρ² overflows far earlier: still a typed error, never ∞.
  #expect(throws: InfAlignError.self) {
    try CTRLStep.run(rewards: Matrix<Float>([[1, 2]]), policyLogProbs: Matrix<Float>([[3e19, 0]]),
                     referenceLogProbs: Matrix<Float>(rows: 1, columns: 2), calibration: .group)
  }
  // Zero-variance groups with std scaling: exactly 0, never NaN.
  for preset in CTRLPreset.allCases {
    let r = try CTRLStep.run(
      rewards: Matrix<Double>([[0.1, 0.1, 0.1], [0.3, 0.3, 0.3]]), policyLogProbs: Matrix(rows: 2, columns: 3),
      referenceLogProbs: Matrix(rows: 2, columns: 3), oldPolicyLogProbs: Matrix(rows: 2, columns: 3),
      calibration: preset.calibration == .none ? .none : .group, options: preset.options)
    #expect(r.advantages.storage.allSatisfy { $0 == 0 }, "\(preset)")
    #expect(r.summary.loss.isFinite && r.lossGradient.storage.allSatisfy { $0.isFinite })
  }
}

/// Random finite inputs over every preset and extreme log-ratios: every output finite (TRL's unclamped ratio
/// overflowing is the only allowed failure, as a typed error).
@Test func finiteInputsGiveFiniteOutputs() throws {
  for preset in CTRLPreset.allCases {
    for seed in UInt64(30)...33 {
      let x = peerBatch(Double.self, seed: seed)
      let calibration: CTRLCalibration<Double> = preset.calibration == .none ? .none : .group
      let r = try runStep(Double.self, x, preset.options, calibration: calibration)
      for m in [r.advantages, r.k1, r.k2, r.k3, r.lossGradient, r.calibrated, r.transformed] {
        #expect(m.storage.allSatisfy { $0.isFinite }, "\(preset)")
      }
      #expect(r.summary.loss.isFinite)
    }
  }
  var x = peerBatch(Double.self, seed: 34)
  x.old[0] = x.lp[0] - 800  // exp(800) overflows: TRL has no clamp
  #expect(throws: InfAlignError.self) { try runStep(Double.self, x, CTRLPreset.trlGRPO.options) }
}
