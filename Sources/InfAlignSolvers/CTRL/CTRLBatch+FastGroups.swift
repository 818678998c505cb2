import InfAlignMath

extension CTRLBatch {
  /// Stages 1–3 for the peers' common case, in one tight pass per group: sequence-level inputs that are all
  /// finite (checked block by block with one vectorized scan per array), raw rewards (no calibration), the standard
  /// estimator, no KL-in-reward before the baseline, groups of two or more. The same expressions as
  /// ``groupAdvantages(_:_:_:_:_:)`` and the same blocks as ``stagedGroups``, so the same bits. Writes each
  /// block's totals into `partial`; returns `false` when the case does not apply or an input is not finite (the
  /// staged path then runs, rewriting every output and naming the first bad value).
  /// - Complexity: O(groups × G), three passes over each group's G rewards, over the threads; no allocation.
  /// `valid` is the step's validity buffer (the caller's output, or its own when samples can be masked): every
  /// sample is valid here, and the token stage reads it when the vector pass declines.
  func fastGroups(
    _ blocks: CTRLBlocks, _ partial: UnsafeMutableBufferPointer<CTRLBlockTotals>,
    _ valid: UnsafeMutableBufferPointer<Bool>?, _ threads: Int?
  ) -> Bool {
    let g = groupSize, o = options
    guard case .none = calibration, o.estimator == .standard, g >= 2, tokens.maxTokens == 1, tokens.mask == nil,
      !rolloutNeedsGroupPass
    else { return false }
    if let kl = o.klReward, kl.coefficient != 0, o.klRewardPlacement == .beforeBaseline { return false }
    let (r, lp, lr) = (rewards.baseAddress, tokens.policyLogProbs.baseAddress, tokens.referenceLogProbs.baseAddress)
    let old = tokens.oldPolicyLogProbs?.baseAddress, rollout = tokens.rolloutLogProbs?.baseAddress
    blocks.forEach(threads: threads) { k, _ in
      let range = blocks.groups(ofBlock: k)
      let start = range.lowerBound * g, count = range.count * g
      partial[k] = CTRLBlockTotals()
      @inline(__always) func finite(_ x: UnsafePointer<T>?) -> Bool {
        x.map { RowReductions.firstNonFinite($0 + start, count) == nil } ?? true
      }
      guard finite(r), finite(lp), finite(lr), finite(old), finite(rollout) else {
        partial[k].validTokens = -1  // this block is not for the fast pass
        return
      }
      fastBlock(range, &partial[k].groups)
      partial[k].validTokens = count
      partial[k].nonEmpty = count
      let all = start..<(start + count)
      if let c = outputs.calibrated { for j in all { c[j] = rewards[j] } }
      if let t = outputs.transformed { for j in all { t[j] = rewards[j] } }
      if let v = valid { for j in all { v[j] = true } }
    }
    for k in 0..<blocks.count where partial[k].validTokens < 0 { return false }
    return true
  }

  /// The fast pass over one block of groups (all inputs finite): eight groups at a time, one per lane of a
  /// `SIMD8<Double>` (``fastLanes(_:_:_:_:_:_:_:)``); the block's last, partial set pads its unused lanes.
  private func fastBlock(_ range: Range<Int>, _ totals: inout CTRLGroupTotals) {
    let g = groupSize, o = options, r = rewards.baseAddress!, a = outputs.advantages.baseAddress!
    for b in stride(from: range.lowerBound, to: range.upperBound, by: 8) {
      Self.fastLanes(r + b * g, a + b * g, g, Swift.min(8, range.upperBound - b), o, &totals)
    }
  }

  /// `lanes` (1…8) consecutive groups, group `j` in lane `j`, each lane the staged path's operations on one group
  /// in the staged path's order (``groupAdvantages(_:_:_:_:_:)``: mean and centred sum of squares shifted by the
  /// first reward, std, baseline, scaling), so the same bits: IEEE operations are lane-wise the same, and
  /// `pointwiseMax` equals `max` on the finite, non-negative `std + ε` and floor. Lanes past `lanes` repeat the last
  /// group and are neither stored nor merged. The groups' moments are merged in group order. Lanes remove the
  /// scalar pass's latency chains (three serial G-term sums and G divisions per group).
  @inline(__always)
  private static func fastLanes(
    _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ g: Int, _ lanes: Int, _ o: CTRLOptions,
    _ totals: inout CTRLGroupTotals
  ) {
    typealias V = SIMD8<Double>
    let scale = o.scale == .group, inverse = V(repeating: 1 / Double(g - 1)), count = V(repeating: Double(g))
    let last = lanes - 1
    let (x0, x1, x2, x3) = (x, x + Swift.min(1, last) * g, x + Swift.min(2, last) * g, x + Swift.min(3, last) * g)
    let (x4, x5, x6, x7) = (
      x + Swift.min(4, last) * g, x + Swift.min(5, last) * g, x + Swift.min(6, last) * g, x + Swift.min(7, last) * g
    )
    @inline(__always) func load(_ i: Int) -> V {
      V(Double(x0[i]), Double(x1[i]), Double(x2[i]), Double(x3[i]),
        Double(x4[i]), Double(x5[i]), Double(x6[i]), Double(x7[i]))
    }
    let shift = load(0)
    var s = V.zero
    for i in 0..<g { s += load(i) - shift }
    let mean = shift + s / count
    var m2 = V.zero
    for i in 0..<g {
      let d = load(i) - mean
      m2 += d * d
    }
    let std = (m2 / V(repeating: Double(o.besselStd ? g - 1 : g))).squareRoot()
    let divisor = pointwiseMax(std + V(repeating: o.stdEpsilon), V(repeating: o.stdFloor))
    @inline(__always) func advantage(_ i: Int) -> V {
      var v: V
      switch o.baseline {
      case .none: v = load(i)
      case .groupMean: v = load(i) - mean
      case .leaveOneOut:
        let d = load(i) - shift
        v = d - (s - d) * inverse
      }
      return scale ? v / divisor : v
    }
    for i in 0..<g {
      let v = advantage(i)
      for j in 0..<lanes { out[j * g + i] = T(v[j]) }
    }
    var advantageMean = V.zero, advantageM2 = V.zero
    if o.scale == .batchWhiten {
      let first = advantage(0)
      var sum = V.zero
      for i in 0..<g { sum += advantage(i) - first }
      advantageMean = first + sum / count
      for i in 0..<g {
        let e = advantage(i) - advantageMean
        advantageM2 += e * e
      }
    }
    for j in 0..<lanes {
      totals.rewards.merge(count: Double(g), mean: mean[j], m2: m2[j])
      if o.scale == .batchWhiten { totals.advantages.merge(count: Double(g), mean: advantageMean[j], m2: advantageM2[j]) }
    }
    totals.validSamples += lanes * g
  }
}
