import InfAlignMath

extension CTRLStep {
  /// Stages 1–3 for the peers' common case, in one tight pass per group: sequence-level inputs that are all
  /// finite (one vectorized scan per array), raw rewards (no calibration), the standard estimator, no KL-in-reward
  /// before the baseline, groups of two or more. The same expressions as ``groupAdvantages(_:_:_:_:_:)``, so the
  /// same bits. Returns `nil` when the case does not apply (the staged path runs).
  /// - Complexity: O(groups × G), three passes over each group's G rewards; no allocation per group or sample.
  static func fastGroups<T: BLASScalar>(
    _ groups: Int, _ g: Int, _ rewards: UnsafeBufferPointer<T>, _ tokens: CTRLTokens<T>,
    _ calibration: CTRLCalibration<T>, _ o: CTRLOptions, _ outputs: CTRLOutputs<T>
  ) -> CTRLGroupTotals? {
    guard case .none = calibration, o.estimator == .standard, g >= 2, tokens.maxTokens == 1, tokens.mask == nil
    else { return nil }
    if let kl = o.klReward, kl.coefficient != 0, o.klRewardPlacement == .beforeBaseline { return nil }
    let n = groups * g
    for array in [rewards, tokens.policyLogProbs, tokens.referenceLogProbs] + (tokens.oldPolicyLogProbs.map { [$0] } ?? [])
    where n > 0 && RowReductions.firstNonFinite(array.baseAddress!, n) != nil {
      return nil
    }
    var totals = CTRLGroupTotals()
    let r = rewards.baseAddress!, a = outputs.advantages.baseAddress!
    let scale = o.scale == .group, inverse = 1 / Double(g - 1)
    for b in 0..<groups {
      let x = r + b * g, out = a + b * g
      let shift = Double(x[0])
      var s = 0.0
      for i in 0..<g { s += Double(x[i]) - shift }
      let mean = shift + s / Double(g)
      var m2 = 0.0
      for i in 0..<g {
        let d = Double(x[i]) - mean
        m2 += d * d
      }
      totals.rewards.merge(count: Double(g), mean: mean, m2: m2)
      let std = (m2 / Double(o.besselStd ? g - 1 : g)).squareRoot()
      let divisor = Swift.max(std + o.stdEpsilon, o.stdFloor)
      @inline(__always) func advantage(_ i: Int) -> Double {
        var v: Double
        switch o.baseline {
        case .none: v = Double(x[i])
        case .groupMean: v = Double(x[i]) - mean
        case .leaveOneOut:
          let d = Double(x[i]) - shift
          v = d - (s - d) * inverse
        }
        return scale ? v / divisor : v
      }
      for i in 0..<g { out[i] = T(advantage(i)) }
      if o.scale == .batchWhiten {  // the moments of the advantages, as the staged path gathers them
        let first = advantage(0)
        var sum = 0.0
        for i in 0..<g { sum += advantage(i) - first }
        let advantageMean = first + sum / Double(g)
        var m2 = 0.0
        for i in 0..<g {
          let e = advantage(i) - advantageMean
          m2 += e * e
        }
        totals.advantages.merge(count: Double(g), mean: advantageMean, m2: m2)
      }
    }
    totals.validSamples = n
    if let c = outputs.calibrated { for j in 0..<n { c[j] = rewards[j] } }
    if let t = outputs.transformed { for j in 0..<n { t[j] = rewards[j] } }
    if let v = outputs.valid { for j in 0..<n { v[j] = true } }
    return totals
  }
}
