import Foundation
import InfAlignSolvers
import Testing

/// `∂L/∂log π` of the step against central finite differences (h = 1e-6) of the peers' loss functions (the ports
/// in PeerPorts.swift), per token, KL-loss terms included; advantages are held fixed (they come from the old
/// policy, as in the peers). Within 1e-6 relative to `max(1, |FD|)`.
func checkGradient(_ name: String, _ x: PeerBatch, _ options: CTRLOptions, loss: (PeerBatch) -> Double) throws {
  let result = try runStep(Double.self, x, options)
  let h = 1e-6
  for j in x.lp.indices where x.mask[j] {
    var plus = x, minus = x
    plus.lp[j] += h
    minus.lp[j] -= h
    let fd = (loss(plus) - loss(minus)) / (2 * h)
    let got = result.lossGradient.storage[j]
    #expect(abs(got - fd) <= 1e-6 * max(1, abs(fd)), "\(name) token \(j): \(got) vs FD \(fd)")
  }
  for j in x.lp.indices where !x.mask[j] { #expect(result.lossGradient.storage[j] == 0) }
}

@Test func gradientsMatchFiniteDifferencesOfThePorts() throws {
  let x = peerBatch(Double.self, seed: 11, b: 3, g: 4, t: 3, extremes: false)
  // verl: dual clip, token-mean and seq-mean-token-mean, KL loss low_var_kl, k2 and k3+ (straight-through).
  for (mode, aggregation) in [("token-mean", CTRLOptions.Aggregation.tokenMean),
                              ("seq-mean-token-mean", .sequenceMeanTokenMean(lengthEpsilon: 1e-8, lengthFloorOne: false))] {
    var o = CTRLPreset.verlGRPO.options
    o.aggregation = aggregation
    o.klLoss?.coefficient = 0.5
    let advantages = PeerPorts.verlAdvantages(x, estimator: "grpo", norm: true, klInReward: nil)
    try checkGradient("verl \(mode)", x, o) {
      PeerPorts.verlLoss($0, advantages: advantages, mode: mode, klLoss: (0.5, "low_var_kl"))
    }
    o.klLoss = .init(coefficient: 0.5, estimator: .k2)
    try checkGradient("verl k2 \(mode)", x, o) {
      PeerPorts.verlLoss($0, advantages: advantages, mode: mode, klLoss: (0.5, "k2"))
    }
  }
  // k3+: the value of k3, the gradient of k2 (verl's straight-through): the gradient is that of the k2 loss.
  var st = CTRLPreset.verlGRPO.options
  st.klLoss = .init(coefficient: 0.5, estimator: .k3, clamp: 10, straightThrough: true)
  let advantages = PeerPorts.verlAdvantages(x, estimator: "grpo", norm: true, klInReward: nil)
  try checkGradient("verl k3+", x, st) {
    PeerPorts.verlLoss($0, advantages: advantages, mode: "token-mean", klLoss: (0.5, "k2"))
  }
  // TRL GRPO: token and sequence (GSPO) ratios, asymmetric clip, δ, β·k3, every loss type.
  let trlAdvantages = PeerPorts.trlGRPOAdvantages(x, scale: "group")
  for (lossType, aggregation) in [("dapo", CTRLOptions.Aggregation.tokenMean),
                                  ("grpo", .sequenceMeanTokenMean(lengthEpsilon: 0, lengthFloorOne: true)),
                                  ("dr_grpo", .tokenSumNormalized(perSequence: true))] {
    for (level, ratioLevel) in [("token", CTRLOptions.RatioLevel.token), ("sequence", .sequenceMean)] {
      var o = CTRLPreset.trlGRPO.options
      o.aggregation = aggregation
      o.ratioLevel = ratioLevel
      o.clipHigh = 0.28
      o.ratioCap = 1.5
      o.klLoss = .init(coefficient: 0.3, estimator: .k3)
      try checkGradient("trl \(lossType) \(level)", x, o) {
        PeerPorts.trlGRPOLoss($0, advantages: trlAdvantages, epsilonHigh: 0.28, delta: 1.5, beta: 0.3, level: level,
                              lossType: lossType)
      }
    }
  }
  // OpenRLHF with its KL return-to-go and dual clip.
  var o = CTRLPreset.openRLHFGroupNorm.options
  o.dualClip = 3
  o.klReward?.coefficient = 0.2
  try checkGradient("openrlhf", x, o) { PeerPorts.openRLHF($0, estimator: "group_norm", klCoef: 0.2, dualClip: 3).loss }
}

/// A lone sample: verl grpo gives `R/(1 + ε)` (mean 0, std 1), verl rloo the raw score, TRL and OpenRLHF 0.
@Test func singleSampleConventions() throws {
  let x = PeerBatch(b: 3, g: 1, t: 1, rewards: [0.5, 2, -1], lp: [-1, -2, -3], ref: [-1.5, -2, -2], old: [-1, -2.5, -3],
                    mask: [true, true, true])
  let grpo = try runStep(Double.self, x, CTRLPreset.verlGRPO.options)
  #expect(grpo.advantages.storage == PeerPorts.verlAdvantages(x, estimator: "grpo", norm: true, klInReward: nil))
  #expect(grpo.advantages.storage == x.rewards.map { $0 / (1 + 1e-6) })
  let rloo = try runStep(Double.self, x, CTRLPreset.verlRLOO.options)
  let want = PeerPorts.verlAdvantages(x, estimator: "rloo", norm: false, klInReward: 0.001)
  for s in 0..<3 { ctrlClose(rloo.advantages.storage[s], want[s], 1e-15, "verl rloo lone \(s)") }
  for preset in [CTRLPreset.trlGRPO, .openRLHFGroupNorm, .infalign] where preset != .infalign {
    #expect(try runStep(Double.self, x, preset.options).advantages.storage == [0, 0, 0])
  }
  let drgrpo = try runStep(Double.self, x, CTRLPreset.verlDrGRPO.options)
  #expect(drgrpo.advantages.storage == x.rewards)
}

/// The vector pass splits a batch into fixed chunks over the threads: every output and the summary are the same
/// bits for one thread and two.
@Test func threadedStepIsBitIdentical() throws {
  let x = peerBatch(Double.self, seed: 40, b: 4096, g: 8, t: 1, masked: false)
  let saved = Threads.count
  defer { Threads.count = saved }
  var results: [CTRLResult<Double>] = []
  for threads in [1, 2] {
    Threads.count = threads
    results.append(try runStep(Double.self, x, CTRLPreset.verlGRPO.options))
  }
  #expect(results[0].lossGradient.storage.map(\.bitPattern) == results[1].lossGradient.storage.map(\.bitPattern))
  #expect(results[0].k3.storage.map(\.bitPattern) == results[1].k3.storage.map(\.bitPattern))
  #expect(results[0].summary == results[1].summary)
}
