import Foundation
import InfAlignSolvers
import InfAlignTestSupport
import Testing

/// Rollout rejection sampling and batch-normalized weights (``CTRLRolloutCorrection``, verl 0.9.1
/// `rollout_corr_helper.py`) against expectations written here: rejection is the step on the response mask less the
/// tokens that verl's statistics reject (computed below by brute force), for every aggregation, on the scalar pass
/// and against the vector kernel's run of the reduced mask; batch normalization divides the weights by their mean.

private struct Batch<T: BLASScalar> {
  let b: Int, g: Int, t: Int
  let rewards: [T], lp: [T], ref: [T], old: [T], rollout: [T], mask: [Bool]

  init(b: Int, g: Int, t: Int, seed: UInt64) {
    var rng = TestRNG(seed)
    let n = b * g, nt = n * t
    (self.b, self.g, self.t) = (b, g, t)
    rewards = (0..<n).map { _ in T(rng.normal()) }
    lp = (0..<nt).map { _ in T(-2 + 0.3 * rng.normal()) }
    ref = lp.map { $0 + T(0.05 * rng.normal()) }
    old = lp.map { $0 + T(0.3 * rng.normal()) }
    var r = old.map { $0 + T(0.25 * rng.normal()) }
    r[0] = old[0] - 30  // past the ±20 safety bound
    rollout = r
    mask = (0..<nt).map { k in (k / t) % 7 != 3 && rng.uniform() > 0.15 }
  }

  func run(
    _ options: CTRLOptions, mask: [Bool]? = nil, forceMask: Bool = false, rollout: Bool = true, threads: Int = 2
  ) throws -> CTRLTokenStepRun<T> {
    try runTokenStep(
      groups: b, groupSize: g, maxTokens: t, rewards: rewards, policy: lp, reference: ref, old: old,
      mask: t > 1 || forceMask ? mask ?? self.mask : nil, rollout: rollout ? self.rollout : nil, options: options,
      threads: threads)
  }

  /// verl's `compute_rollout_rejection_mask` for `token_k2 ≤ 0.1` and `seq_mean_k1 ∈ [log 0.9, log 1.1]`, written
  /// out: `k1 = −l`, `k2 = l²/2` with `l = clamp(old − rollout, ±20)`; the sequence mean is `Σ/(|y| + 1e-8)`.
  func kept() -> [Bool] {
    var keep = mask
    for j in 0..<(b * g) {
      var sum = 0.0, count = 0.0
      for s in 0..<t where mask[j * t + s] {
        let l = Swift.min(Swift.max(Double(old[j * t + s]) - Double(rollout[j * t + s]), -20), 20)
        if l * l / 2 > 0.1 { keep[j * t + s] = false }
        sum += -l
        count += 1
      }
      let mean = sum / (count + 1e-8)
      if !(mean >= Foundation.log(0.9) && mean <= Foundation.log(1.1)) {
        for s in 0..<t { keep[j * t + s] = false }
      }
    }
    return keep
  }
}

private let rejection = CTRLRolloutCorrection(
  weights: nil,
  rejections: [.init(statistic: .tokenK2, upper: 0.1), .init(statistic: .sequenceMeanK1, upper: 1.1, lower: 0.9)])

func checkRejectionIsTheStepOnTheKeptTokens<T: BLASScalar>(_: T.Type) throws {
  let batch = Batch<T>(b: 30, g: 6, t: 23, seed: 11)
  let kept = batch.kept()
  let (before, after) = (batch.mask.filter { $0 }.count, kept.filter { $0 }.count)
  #expect(after > 0 && after < before, "the batch rejects some tokens (\(after) of \(before) kept)")
  var withKL = CTRLPreset.verlGRPO.options
  withKL.klLoss = .init(coefficient: 0.1, estimator: .k3, clamp: 10)
  let aggregations: [CTRLOptions.Aggregation] = [
    .tokenMean, .sequenceMeanTokenMean(lengthEpsilon: 1e-8, lengthFloorOne: false),
    .sequenceMeanTokenMean(lengthEpsilon: 0, lengthFloorOne: true), .sequenceMeanTokenSum,
    .sequenceMeanTokenSumNormalized, .tokenSumNormalized(perSequence: true),
  ]
  // Float: the reference run on the reduced mask goes through the vector kernel (Float arithmetic).
  let tol = T.self == Double.self ? 1e-12 : 2e-5
  for aggregation in aggregations {
    var o = withKL
    o.aggregation = aggregation
    var rejecting = o
    rejecting.rolloutCorrection = rejection
    let step = try batch.run(rejecting)
    let reference = try batch.run(o, mask: kept, rollout: false)
    #expect(step.advantages == reference.advantages, "\(aggregation)")
    let scale = reference.gradient.map { Swift.abs(Double($0)) }.max() ?? 1
    let worst = zip(step.gradient, reference.gradient).map { Swift.abs(Double($0) - Double($1)) }.max() ?? 0
    #expect(worst <= tol * scale, "\(aggregation): gradient differs by \(worst / scale) of its largest value")
    for k in kept.indices where batch.mask[k] && !kept[k] {
      #expect(step.gradient[k] == 0 && step.k3[k] == 0, "rejected token \(k) has outputs")
    }
    #expect(isRelativelyClose(step.summary.loss, reference.summary.loss, tol), "\(aggregation) loss")
    #expect(isRelativelyClose(step.summary.meanK3, reference.summary.meanK3, tol), "\(aggregation) mean k3")
    #expect(step.summary.clippedFraction == reference.summary.clippedFraction, "\(aggregation) clipped fraction")
    // The same bits on any thread count.
    for threads in [1, 3] {
      let other = try batch.run(rejecting, threads: threads)
      #expect(other.gradient == step.gradient && other.summary == step.summary, "\(aggregation), \(threads) threads")
    }
  }
}

@Test func rejectionIsTheStepOnTheKeptTokensDouble() throws { try checkRejectionIsTheStepOnTheKeptTokens(Double.self) }
@Test func rejectionIsTheStepOnTheKeptTokensFloat() throws { try checkRejectionIsTheStepOnTheKeptTokens(Float.self) }

func checkSequenceLevelRejectionDropsSamples<T: BLASScalar>(_: T.Type) throws {
  // One log-prob per sample (no mask): the fast group pass declines, and a rejected sample is a masked-out one.
  let batch = Batch<T>(b: 40, g: 4, t: 1, seed: 12)
  var o = CTRLPreset.verlGRPO.options
  o.rolloutCorrection = CTRLRolloutCorrection(
    level: .sequence, upper: 2, rejections: [.init(statistic: .sequenceSumK1, upper: 1.3, lower: 0.7)])
  let step = try batch.run(o)
  var reference = o
  reference.rolloutCorrection = CTRLRolloutCorrection(level: .sequence, upper: 2)
  var kept = [Bool](repeating: true, count: batch.rewards.count)
  for j in kept.indices {
    let k1 = -Swift.min(Swift.max(Double(batch.old[j]) - Double(batch.rollout[j]), -20), 20)
    kept[j] = k1 >= Foundation.log(0.7) && k1 <= Foundation.log(1.3)
  }
  #expect(kept.contains(false) && kept.contains(true))
  let masked = try batch.run(reference, mask: kept, forceMask: true)
  #expect(step.gradient == masked.gradient && step.summary == masked.summary)
}

@Test func sequenceLevelRejectionDropsSamplesDouble() throws { try checkSequenceLevelRejectionDropsSamples(Double.self) }
@Test func sequenceLevelRejectionDropsSamplesFloat() throws { try checkSequenceLevelRejectionDropsSamples(Float.self) }

func checkBatchNormalizationDividesByTheMeanWeight<T: BLASScalar>(_: T.Type) throws {
  let batch = Batch<T>(b: 20, g: 4, t: 17, seed: 13)
  var o = CTRLPreset.verlGRPO.options
  o.klLoss = nil
  for level in [CTRLRolloutCorrection.Level.token, .sequence] {
    o.rolloutCorrection = CTRLRolloutCorrection(level: level, upper: 2)
    let plain = try batch.run(o)
    o.rolloutCorrection?.batchNormalize = true
    let normalized = try batch.run(o)
    // verl's mean: Σ w / (tokens + 1e-8) per token; per response Σ_t w / (|y| + 1e-8), averaged over non-empty ones.
    var sum = 0.0, count = 0.0
    for j in 0..<(batch.b * batch.g) {
      var logRatio = 0.0, length = 0.0, tokenSum = 0.0
      for s in 0..<batch.t where batch.mask[j * batch.t + s] {
        let l = Double(batch.old[j * batch.t + s]) - Double(batch.rollout[j * batch.t + s])
        tokenSum += Swift.min(Foundation.exp(Swift.min(Swift.max(l, -20), 20)), 2)
        logRatio += l
        length += 1
      }
      if level == .token {
        sum += tokenSum
        count += length
      } else if length > 0 {
        sum += Swift.min(Foundation.exp(Swift.min(Swift.max(logRatio, -20), 20)), 2) * length / (length + 1e-8)
        count += 1
      }
    }
    let mean = level == .token ? sum / (count + 1e-8) : sum / count
    #expect(mean > 0.1 && Swift.abs(mean - 1) > 1e-3, "a batch whose mean weight is not 1 (\(mean))")
    let tol = T.self == Double.self ? 1e-12 : 1e-5
    for (x, y) in zip(normalized.gradient, plain.gradient) {
      #expect(isRelativelyClose(Double(x), Double(y) / mean, tol), "\(level): \(x) vs \(Double(y) / mean)")
    }
  }
}

@Test func batchNormalizationDividesByTheMeanWeightDouble() throws {
  try checkBatchNormalizationDividesByTheMeanWeight(Double.self)
}
@Test func batchNormalizationDividesByTheMeanWeightFloat() throws {
  try checkBatchNormalizationDividesByTheMeanWeight(Float.self)
}

@Test func rolloutCorrectionTextRoundTrips() throws {
  for text in [
    "token:2.0", "sequence:0.5:2.0", "token:2.0,normalize", "sequence:2.0,reject:seq-sum-k1:0.5:2.0",
    "reject:seq-mean-k1:0.999:1.001", "token:0.5:2.0,normalize,reject:token-k2:0.1,reject:seq-max-k3:0.12",
  ] {
    let parsed = try #require(try CTRLRolloutCorrection.parse(text, option: "test"))
    #expect(parsed.text == text)
    #expect(try CTRLRolloutCorrection.parse(parsed.text, option: "test") == parsed)
  }
  // One k1 bound gives 1/UPPER below (verl's _parse_rollout_rs_thresholds).
  let k1 = try #require(try CTRLRolloutCorrection.parse("reject:token-k1:4", option: "test"))
  #expect(k1.rejections == [.init(statistic: .tokenK1, upper: 4, lower: 0.25)])
  #expect(try CTRLRolloutCorrection.parse("none", option: "test") == nil)
  for junk in ["normalize", "token:2,token:3", "reject:seq-max-k1:2", "reject:token-k2:0.5:2", "token:2,,normalize",
               "reject:seq_sum_k1:2", "token:2,normalize,normalize", "reject:token-k3", "token:x"] {
    #expect(throws: InfAlignError.self, "\(junk)") {
      var o = CTRLOptions(), c = CTRLPreset.Calibration.none
      try CTRLOptionKey.rolloutCorrection.apply(junk, to: &o, calibration: &c)
      try o.validate()
    }
  }
  // Domains are checked by validation and name the criterion.
  var o = CTRLOptions()
  o.rolloutCorrection = CTRLRolloutCorrection(weights: nil, rejections: [.init(statistic: .sequenceMeanK3, upper: -1)])
  #expect(throws: InfAlignError.invalidParameter(
    name: "rolloutCorrection.reject[seq-mean-k3].upper", value: -1, reason: "must be finite and > 0")) {
    try o.validate()
  }
}

func checkK3ReportClampClampsTheColumnAndItsMean<T: BLASScalar>(_: T.Type) throws {
  // verl reports low_var_kl clamped to ±10; here a clamp of 0.001 so that ordinary log-ratios reach it. The clamp
  // sends the step through the scalar pass (the plain run may take the vector kernel): equal within rounding.
  let batch = Batch<T>(b: 10, g: 4, t: 9, seed: 14)
  var o = CTRLPreset.verlGRPO.options
  let plain = try batch.run(o, rollout: false)
  o.k3ReportClamp = 0.001
  let clamped = try batch.run(o, rollout: false)
  #expect(plain.k3.contains { $0 > T(0.001) } && plain.k3.contains { $0 > 0 && $0 < T(0.001) })
  let tol = T.self == Double.self ? 1e-12 : 1e-5
  var sum = 0.0, count = 0.0
  for k in plain.k3.indices {
    let expected = Swift.min(Double(plain.k3[k]), 0.001)
    #expect(isRelativelyClose(Double(clamped.k3[k]), expected, tol), "token \(k)")
    if batch.mask[k] {
      sum += expected
      count += 1
    }
  }
  #expect(isRelativelyClose(clamped.summary.meanK3, sum / count, tol))
  #expect(isRelativelyClose(clamped.summary.loss, plain.summary.loss, tol), "the report only")
  var bad = CTRLOptions()
  bad.k3ReportClamp = 0
  #expect(throws: InfAlignError.self) { try bad.validate() }
}

@Test func k3ReportClampClampsTheColumnAndItsMeanDouble() throws {
  try checkK3ReportClampClampsTheColumnAndItsMean(Double.self)
}
@Test func k3ReportClampClampsTheColumnAndItsMeanFloat() throws {
  try checkK3ReportClampClampsTheColumnAndItsMean(Float.self)
}
