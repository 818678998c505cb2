/// Sums of the token stage.
struct CTRLTokenTotals {
  var policyLoss = 0.0, klLoss = 0.0, k1 = 0.0, k2 = 0.0, k3 = 0.0
  var tokens = 0, clipped = 0
}

/// The loss weight of every token of a sample under an aggregation (verl `agg_loss`, TRL `loss_type`), and the
/// divisor of the rollout importance weights (their batch mean under batch normalization, else 1).
struct CTRLAggregation {
  let mode: CTRLOptions.Aggregation
  let validTokens: Int, validSamples: Int, nonEmptySamples: Int, maxTokens: Int
  var rolloutDivisor = 1.0

  /// The weight of each token of a sample with `length` valid tokens (0 for an empty sample).
  @inline(__always)
  func weight(length: Int) -> Double {
    switch mode {
    case .tokenMean:
      return validTokens > 0 ? 1 / Double(validTokens) : 0
    case let .sequenceMeanTokenMean(epsilon, floorOne):
      if floorOne { return validSamples > 0 ? 1 / (Double(Swift.max(length, 1)) * Double(validSamples)) : 0 }
      return length > 0 ? 1 / ((Double(length) + epsilon) * Double(nonEmptySamples)) : 0
    case .sequenceMeanTokenSum:
      return nonEmptySamples > 0 ? 1 / Double(nonEmptySamples) : 0
    case .sequenceMeanTokenSumNormalized:
      let d = Double(maxTokens) * Double(nonEmptySamples)
      return d > 0 ? 1 / d : 0
    case let .tokenSumNormalized(perSequence):
      let d = Double(maxTokens) * (perSequence ? Double(validSamples) : 1)
      return d > 0 ? 1 / d : 0
    }
  }
}

extension CTRLBatch {
  /// The active (masked-in) tokens of sample `j`: `maxTokens` without a mask, else its `true` bytes, counted 16
  /// at a time (a `Bool` is one byte, 0 or 1: the C ABI checks the bytes a caller passes).
  /// - Complexity: O(maxTokens / 16).
  @inline(__always)
  func activeTokens(sample j: Int) -> Int {
    let nt = maxTokens
    guard let mask = tokens.mask else { return nt }
    let bytes = UnsafeRawPointer(mask.baseAddress! + j * nt)
    var sum = SIMD16<UInt16>(), t = 0
    while t + 16 <= nt {
      sum &+= SIMD16<UInt16>(truncatingIfNeeded: bytes.loadUnaligned(fromByteOffset: t, as: SIMD16<UInt8>.self))
      t += 16
    }
    var count = Int(sum.wrappedSum())
    while t < nt {
      count += Int(bytes.load(fromByteOffset: t, as: UInt8.self))
      t += 1
    }
    return count
  }
}

extension CTRLBatch {
  /// Stage 4, one valid sample `j` of group `b` (position `i`): per token the KL estimates, the PPO term with the
  /// sample's advantage (minus the KL return-to-go when placed after the baseline), the KL loss term, and
  /// `∂L/∂log π`. Throws naming the sample and token when a value overflows `T` or `Double`.
  func sampleTokens(
    _ b: Int, _ i: Int, _ ppo: CTRLTerms.PPO, _ aggregation: CTRLAggregation, _ ws: CTRLWorkspace,
    _ totals: inout CTRLTokenTotals
  ) throws(InfAlignError) {
    let o = options, j = b * groupSize + i, nt = maxTokens, base = j * nt
    let lp = tokens.policyLogProbs, lr = tokens.referenceLogProbs, old = tokens.oldPolicyLogProbs
    @inline(__always) func active(_ t: Int) -> Bool { tokens.mask?[base + t] ?? true }
    // The tokens in the loss: the mask less those a rollout rejection drops (the KL-in-reward and the rollout
    // weights still read the response as sampled, `active`).
    let rejecting = !(o.rolloutCorrection?.rejections.isEmpty ?? true), keep = ws.tokenKeep
    let length = rolloutKeep(sample: j, keep)
    @inline(__always) func kept(_ t: Int) -> Bool { rejecting ? keep[t] : active(t) }
    let w = aggregation.weight(length: length)
    let advantage = Double(outputs.advantages[j])
    // KL return-to-go (OpenRLHF's cumulative returns with γ = 1) when the KL-in-reward follows the baseline.
    let togo = ws.tokenKL
    var running = 0.0
    if let term = o.klReward, term.coefficient != 0, o.klRewardPlacement == .afterBaseline {
      let source = o.klRewardSource == .oldPolicy ? (old ?? lp) : lp
      for t in stride(from: nt - 1, through: 0, by: -1) {
        if active(t) {
          running += CTRLTerms.kl(Double(source[base + t]) - Double(lr[base + t]), term,
                                  logClamp: o.logRatioClamp).value
        }
        togo[t] = term.coefficient * running
      }
    } else {
      for t in 0..<nt { togo[t] = 0 }
    }
    // A sequence-level ratio is shared by the tokens: its log and the factor ∂log r/∂log π_t.
    var sequenceLogRatio = 0.0, factor = 1.0
    if o.ratioLevel != .token {
      if let old {
        for t in 0..<nt where kept(t) { sequenceLogRatio += Double(lp[base + t]) - Double(old[base + t]) }
      }
      if o.ratioLevel == .sequenceMean || o.ratioLevel == .sequenceMeanToken {
        factor = 1 / Double(Swift.max(length, 1))
        sequenceLogRatio *= factor
      }
    }
    // Rollout correction: the stopped weight π_old/π_rollout of each token (or of the sequence) on its policy term,
    // over its batch mean under batch normalization.
    let correction = o.rolloutCorrection?.weights, divisor = aggregation.rolloutDivisor
    var sequenceWeight = 1.0
    if let correction, correction.level == .sequence {
      var sum = 0.0
      for t in 0..<nt where active(t) { sum += rolloutLogRatio(base + t) }
      sequenceWeight = correction.weight(logRatio: sum) / divisor
    }
    let slope = ws.tokenSlope
    var sharedSlope = 0.0
    for t in 0..<nt {
      let jt = base + t
      guard kept(t) else {
        outputs.k1?[jt] = 0
        outputs.k2?[jt] = 0
        outputs.k3?[jt] = 0
        slope[t] = 0
        continue
      }
      let rho = Double(lp[jt]) - Double(lr[jt])
      let k2 = rho * rho / 2
      var k3 = CTRLTerms.k3(CTRLTerms.clamp(rho, o.logRatioClamp).value)
      if let c = o.k3ReportClamp { k3 = Swift.min(Swift.max(k3, -c), c) }  // verl's reported low_var_kl
      let logRatio = o.ratioLevel == .token ? (old.map { Double(lp[jt]) - Double($0[jt]) } ?? 0) : sequenceLogRatio
      let term = ppo.cispo
        ? ppo.cispoTerm(logRatio: logRatio, advantage: advantage - togo[t], logProb: Double(lp[jt]))
        : ppo.term(logRatio: logRatio, advantage: advantage - togo[t])
      var klValue = 0.0, klSlope = 0.0
      if let kl = o.klLoss, kl.coefficient != 0 {
        let (v, s) = CTRLTerms.kl(rho, kl, logClamp: o.logRatioClamp)
        (klValue, klSlope) = (kl.coefficient * v, kl.coefficient * s)
      }
      // TRL's use_bias_correction_kl: the KL term times the importance ratio r (after the log-ratio clamp, before
      // any clip), whose derivative r·∂(log-ratio) reaches this token (token levels) or the whole sequence.
      var klShared = 0.0
      if o.weightsKLLossByRatio, klValue != 0 || klSlope != 0 {
        let (r, inside) = CTRLTerms.clamp(logRatio, o.logRatioClamp)
        let ratio = Double.exp(r), throughRatio = klValue * ratio * inside
        (klValue, klSlope) = (klValue * ratio, klSlope * ratio)
        if o.ratioLevel == .token || o.ratioLevel == .sequenceMeanToken {
          klSlope += throughRatio
        } else {
          klShared = throughRatio
        }
      }
      var isWeight = sequenceWeight
      if let correction, correction.level == .token {
        isWeight = correction.weight(logRatio: rolloutLogRatio(jt)) / divisor
      }
      let (k1T, k2T, k3T) = (T(rho), T(k2), T(k3))
      if !(k1T.isFinite && k2T.isFinite && k3T.isFinite && term.loss.isFinite && term.slope.isFinite
        && klValue.isFinite && klSlope.isFinite)
      {
        throw .nonFinite(
          field: "log-ratio (a KL estimate or the PPO ratio overflows; clamp the log-ratio or check the log-probs)"
            + (nt > 1 ? " (token \(t))" : ""), prompt: b, index: i, value: rho.isFinite ? logRatio : rho)
      }
      outputs.k1?[jt] = k1T
      outputs.k2?[jt] = k2T
      outputs.k3?[jt] = k3T
      totals.k1 += rho
      totals.k2 += k2
      totals.k3 += k3
      totals.tokens += 1
      if term.clipped { totals.clipped += 1 }
      totals.policyLoss += w * isWeight * term.loss
      totals.klLoss += w * klValue
      if o.ratioLevel == .token || o.ratioLevel == .sequenceMeanToken {
        slope[t] = w * (isWeight * term.slope + klSlope)
      } else {
        sharedSlope += w * (isWeight * term.slope + klShared)
        slope[t] = w * klSlope
      }
    }
    let shared = sharedSlope * factor
    for t in 0..<nt {
      let g = kept(t) ? slope[t] + shared : 0
      let gT = T(g)
      if !gT.isFinite {
        throw .nonFinite(field: "loss gradient (overflows; clamp the log-ratio)" + (nt > 1 ? " (token \(t))" : ""),
                         prompt: b, index: i, value: g)
      }
      outputs.lossGradient[base + t] = gT
    }
  }
}
