extension CTRLBatch {
  /// Whether the rollout correction acts on the batch as a whole (rejection changes the aggregation's counts, batch
  /// normalization needs the batch's weights) so that the group stage must read the tokens.
  var rolloutNeedsGroupPass: Bool {
    guard let c = options.rolloutCorrection else { return false }
    return c.batchNormalize || !c.rejections.isEmpty
  }

  /// `log π_old − log π_rollout` of token `jt` (`log π` on-policy).
  @inline(__always)
  func rolloutLogRatio(_ jt: Int) -> Double {
    Double((tokens.oldPolicyLogProbs ?? tokens.policyLogProbs)[jt]) - Double(tokens.rolloutLogProbs![jt])
  }

  /// The tokens of sample `j` that stay in the loss: `keep[t]` is the response mask, cleared for each token that a
  /// rejection criterion drops; returns their count (``activeTokens(sample:)`` without rejection).
  /// - Complexity: O(maxTokens × criteria).
  func rolloutKeep(sample j: Int, _ keep: UnsafeMutablePointer<Bool>) -> Int {
    let nt = maxTokens, base = j * nt
    guard let rejections = options.rolloutCorrection?.rejections, !rejections.isEmpty else {
      return activeTokens(sample: j)
    }
    @inline(__always) func active(_ t: Int) -> Bool { tokens.mask?[base + t] ?? true }
    for t in 0..<nt { keep[t] = active(t) }
    for rejection in rejections {
      rejection.apply(tokens: nt, keep: keep, active: active) { t in rolloutLogRatio(base + t) }
    }
    var count = 0
    for t in 0..<nt where keep[t] { count += 1 }
    return count
  }

  /// Sample `j`'s share of the batch mean of the importance weights (verl `rollout_is_batch_normalize`): at the
  /// token level the sum of its tokens' weights and their count; at the sequence level `Σ_t w / (|y| + 1e-8)` and 1
  /// for a non-empty response (0 and 0 for an empty one). The response mask as sampled, rejection ignored.
  func rolloutWeightShare(sample j: Int) -> (sum: Double, count: Double) {
    guard let weights = options.rolloutCorrection?.weights else { return (0, 0) }
    let nt = maxTokens, base = j * nt
    var sum = 0.0, count = 0
    switch weights.level {
    case .token:
      for t in 0..<nt where tokens.mask?[base + t] ?? true {
        sum += weights.weight(logRatio: rolloutLogRatio(base + t))
        count += 1
      }
      return (sum, Double(count))
    case .sequence:
      var logRatio = 0.0
      for t in 0..<nt where tokens.mask?[base + t] ?? true {
        logRatio += rolloutLogRatio(base + t)
        count += 1
      }
      guard count > 0 else { return (0, 0) }
      let w = weights.weight(logRatio: logRatio)
      for _ in 0..<count { sum += w }
      return (sum / (Double(count) + 1e-8), 1)
    }
  }

  /// The divisor of every importance weight: the batch mean of the weights (verl: `Σ / (tokens + 1e-8)` at the token
  /// level, `Σ / max(responses, 1e-8)` at the sequence level) when batch normalization is on and the mean exceeds
  /// 1e-8, else 1.
  func rolloutWeightDivisor(sum: Double, count: Double) -> Double {
    guard let c = options.rolloutCorrection, c.batchNormalize, let weights = c.weights else { return 1 }
    let mean = weights.level == .token ? sum / (count + 1e-8) : sum / Swift.max(count, 1e-8)
    return mean > 1e-8 ? mean : 1
  }
}
