import InfAlignMath

/// Running count, mean and sum of squared deviations, merged across groups with Chan's formula (stable).
struct CTRLMoments {
  var count = 0.0, mean = 0.0, m2 = 0.0

  mutating func merge(count n: Double, mean: Double, m2: Double) {
    guard n > 0 else { return }
    if count == 0 {  // exact: the first part's moments as they are
      (count, self.mean, self.m2) = (n, mean, m2)
      return
    }
    let total = count + n, delta = mean - self.mean
    self.mean += delta * n / total
    self.m2 += m2 + delta * delta * count * n / total
    count = total
  }

  /// The std (Bessel's when `bessel`), 0 for fewer than two values.
  func std(bessel: Bool) -> Double {
    let d = bessel ? count - 1 : count
    return d > 0 ? (m2 / d).squareRoot() : 0
  }
}

/// Batch totals gathered by the group stage.
struct CTRLGroupTotals {
  var validSamples = 0
  var rewards = CTRLMoments()
  var advantages = CTRLMoments()
}

/// The mean and centred sum of squares of `x[0..<m]`, the mean shifted by `x[0]` so that equal values give their
/// value exactly (a zero-variance group gives advantages of exactly 0).
@inline(__always)
func ctrlMoments(_ x: UnsafePointer<Double>, _ m: Int) -> (mean: Double, m2: Double) {
  guard m > 0 else { return (0, 0) }
  let k = x[0]
  var s = 0.0
  for i in 0..<m { s += x[i] - k }
  let mean = k + s / Double(m)
  var m2 = 0.0
  for i in 0..<m {
    let d = x[i] - mean
    m2 += d * d
  }
  return (mean, m2)
}

extension CTRLBatch {
  /// Stage 1 of a group: marks the valid samples (all inputs finite) in `ws.valid`, compacts their positions into
  /// `ws.index`, and returns their count. Throws naming the first non-finite input unless masking.
  /// With `rowsChecked` false only the rewards are checked: the token kernel checks the log-probs as it reads them.
  func validateGroup(_ b: Int, _ ws: CTRLWorkspace, rowsChecked: Bool = true) throws(InfAlignError) -> Int {
    let g = groupSize, nt = maxTokens, mask = options.nonFinite == .mask
    // Whether every token of a sample's row is finite, masked ones included: one vectorized scan per array, the
    // common case; a row with a non-finite value takes the precise, mask-aware scan below.
    @inline(__always) func finiteRow(_ x: UnsafeBufferPointer<T>?, _ j: Int) -> Bool {
      guard let x, nt > 0 else { return true }
      return RowReductions.firstNonFinite(x.baseAddress! + j * nt, nt) == nil
    }
    var m = 0
    for i in 0..<g {
      let j = b * g + i
      if nt > 1, rewards[j].isFinite,
        !rowsChecked
          || (finiteRow(tokens.policyLogProbs, j) && finiteRow(tokens.referenceLogProbs, j)
            && finiteRow(tokens.oldPolicyLogProbs, j) && finiteRow(tokens.rolloutLogProbs, j))
      {
        ws.valid[i] = true
        ws.index[m] = i
        m += 1
        continue
      }
      // The first non-finite input of the sample, found without building any text (this runs for every token);
      // its description is made only when it is thrown.
      var bad: (field: Int, token: Int, value: T)? = nil
      if !rewards[j].isFinite { bad = (0, 0, rewards[j]) }
      var t = 0
      while bad == nil && t < nt {
        let jt = j * nt + t
        defer { t += 1 }
        if let tm = tokens.mask, !tm[jt] { continue }
        if !tokens.policyLogProbs[jt].isFinite {
          bad = (1, t, tokens.policyLogProbs[jt])
        } else if !tokens.referenceLogProbs[jt].isFinite {
          bad = (2, t, tokens.referenceLogProbs[jt])
        } else if let old = tokens.oldPolicyLogProbs, !old[jt].isFinite {
          bad = (3, t, old[jt])
        } else if let rollout = tokens.rolloutLogProbs, !rollout[jt].isFinite {
          bad = (4, t, rollout[jt])
        }
      }
      if let bad, !mask {
        let names = ["reward", "policy log-prob", "reference log-prob", "old policy log-prob", "rollout log-prob"]
        let field = bad.field > 0 && nt > 1 ? names[bad.field] + " (token \(bad.token))" : names[bad.field]
        throw .nonFinite(field: field, prompt: b, index: i, value: Double(bad.value))
      }
      ws.valid[i] = bad == nil
      if bad == nil {
        ws.index[m] = i
        m += 1
      }
    }
    return m
  }

  /// Stage 2 of a group: the rewards `R` of its `m` valid samples into `ws.reward` (compacted): calibrated (or
  /// raw), transformed (or the distillation reward), minus a KL-in-reward placed before the baseline. Writes the
  /// `calibrated` and `transformed` outputs.
  func groupRewards(_ b: Int, _ m: Int, _ ws: CTRLWorkspace) throws(InfAlignError) {
    let o = options, base = b * groupSize
    let cal = ws.calibrated, raw = ws.sorted
    for k in 0..<m { raw[k] = Double(rewards[base + ws.index[k]]) }
    switch calibration {
    case .none:
      for k in 0..<m { cal[k] = raw[k] }
    case .group:
      // Mid-rank among the group, itself included (it adds ½), so leave-one-out subtracts ½.
      try RowCalibrator.counts(
        raw, m, queries: raw, m, into: cal, row: ws.estimate, scratch: ws.sortScratch, histogram: ws.histogram,
        prompt: b)
      let scale = MidRankScale<Double>(CalibrationOptions(leaveOneOut: true, smoothing: o.smoothing), references: m)
      for k in 0..<m { cal[k] = scale(cal[k]) }
    case .table(let table):
      let refs = table.offsets[b + 1] - table.offsets[b]
      let scale = MidRankScale<Double>(CalibrationOptions(smoothing: o.smoothing), references: refs)
      table.sorted.withUnsafeBufferPointer { row in
        for k in 0..<m {
          cal[k] = scale(Double(MidRank.count(row.baseAddress! + table.offsets[b], refs, rewards[base + ws.index[k]])))
        }
      }
    }
    let r = ws.reward
    for k in 0..<m {
      let j = base + ws.index[k]
      let phi: Double
      switch o.estimator {
      case let .bestOfNDistillation(n): phi = Double(n - 1) * Double.log(Swift.max(cal[k], o.distillationEpsilon))
      case let .worstOfNDistillation(n):
        phi = Double(n - 1) * Double.log(Swift.max(1 - cal[k], o.distillationEpsilon))
      default:
        if case .none = calibration { phi = cal[k] } else { phi = Double(o.transform.apply(T(cal[k]))) }
      }
      if !phi.isFinite {
        // e.g. exp(t·u) with t > 88 overflows Float: never pass an ∞/NaN reward on silently.
        throw .nonFinite(field: "transformed reward (Φ overflows; use Double or a smaller parameter)", prompt: b,
                         index: ws.index[k], value: phi)
      }
      outputs.calibrated?[j] = T(cal[k])
      outputs.transformed?[j] = T(phi)
      r[k] = phi - klPenalty(j)
    }
  }

  /// `β·Σ_t kl_t` of the KL-in-reward term of sample `j` when it is placed before the baseline (else 0).
  @inline(__always)
  func klPenalty(_ j: Int) -> Double {
    let o = options
    guard let term = o.klReward, term.coefficient != 0, o.klRewardPlacement == .beforeBaseline else { return 0 }
    let nt = tokens.maxTokens
    let source = o.klRewardSource == .oldPolicy ? (tokens.oldPolicyLogProbs ?? tokens.policyLogProbs)
      : tokens.policyLogProbs
    var sum = 0.0
    for t in 0..<nt where tokens.mask?[j * nt + t] ?? true {
      let jt = j * nt + t
      sum += CTRLTerms.kl(Double(source[jt]) - Double(tokens.referenceLogProbs[jt]), term,
                          logClamp: o.logRatioClamp).value
    }
    return term.coefficient * sum
  }
}
