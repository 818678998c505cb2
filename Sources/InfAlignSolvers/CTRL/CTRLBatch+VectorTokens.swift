import CInfAlignSIMD
import InfAlignMath

extension CTRLBatch {
  /// The vector level at which token-level samples (`maxTokens > 1`) go through the AVX2/AVX-512 kernel of
  /// `CInfAlignSIMD` one sample at a time (``kernelTokens(_:_:_:_:_:_:_:)``), or `nil` when the options need the
  /// scalar pass: a KL return-to-go after the baseline, a sequence-level ratio, CISPO, a rollout correction, a k3
  /// report clamp or a ratio-weighted KL loss (the kernel computes the per-token PPO, KL-estimate and KL-loss terms of
  /// ``sampleTokens(_:_:_:_:_:_:)`` only), or a baseline-only CPU.
  var tokenKernelLevel: Int32? {
    let o = options, level = VectorISA.active.rawValue
    guard maxTokens > 1, level > 0, o.ratioLevel == .token, o.policyLoss == .ppo, o.rolloutCorrection == nil,
      o.k3ReportClamp == nil, !o.weightsKLLossByRatio, T.self == Double.self || T.self == Float.self
    else { return nil }
    if let kl = o.klReward, kl.coefficient != 0, o.klRewardPlacement == .afterBaseline { return nil }
    return level
  }

  /// Stage 4 for valid sample `i` of group `b` through the vector kernel, run by run of the mask's active tokens
  /// (one run for a right-padded response), the sample's advantage broadcast over its tokens and its aggregation
  /// weight for every token. Inactive tokens get zero outputs. Returns `false`, adding nothing to `totals`, when a
  /// value is not finite: the scalar pass then redoes the sample and throws the error naming it.
  /// - Complexity: O(maxTokens), no allocation.
  func kernelTokens(
    _ b: Int, _ i: Int, _ level: Int32, _ q: inout infalign_ctrl_params, _ aggregation: CTRLAggregation,
    _ ws: CTRLWorkspace, _ totals: inout CTRLTokenTotals
  ) -> Bool {
    let j = b * groupSize + i, nt = maxTokens, base = j * nt, mask = tokens.mask
    @inline(__always) func active(_ t: Int) -> Bool { mask?[base + t] ?? true }
    q.weight = aggregation.weight(length: activeTokens(sample: j))
    let advantages = ws.tokenAdvantage.bindMemory(to: T.self, capacity: nt)
    advantages.update(repeating: outputs.advantages[j], count: nt)
    var sample = CTRLTokenTotals()
    var sums = SIMD8<Double>()
    var t = 0
    while t < nt {
      guard active(t) else {
        outputs.lossGradient[base + t] = 0
        outputs.k1?[base + t] = 0
        outputs.k2?[base + t] = 0
        outputs.k3?[base + t] = 0
        t += 1
        continue
      }
      var end = t + 1
      while end < nt && active(end) { end += 1 }
      let status = withUnsafeMutableBytes(of: &sums) { raw in
        pass(level, &q, base + t, end - t, raw.baseAddress!.assumingMemoryBound(to: Double.self),
             advantages: UnsafePointer(advantages))
      }
      if status != -1 { return false }
      withUnsafeBytes(of: &sums) { raw in
        sample.add(kernelSums: raw.baseAddress!.assumingMemoryBound(to: Double.self), tokens: end - t)
      }
      t = end
    }
    totals.merge(sample)
    return true
  }
}
