extension CTRLBatch {
  /// Stage 3 of a group: the advantages of its `m` valid samples from their rewards `ws.reward` (compacted), by
  /// the estimator and baseline, divided by the group's std when ``CTRLOptions/Scale/group``; written to
  /// `ws.estimate` (compacted). Gathers the batch moments of rewards and advantages into `totals`.
  func groupAdvantages(_ b: Int, _ m: Int, _ ws: CTRLWorkspace, _ totals: inout CTRLGroupTotals)
    throws(InfAlignError)
  {
    let o = options, r = ws.reward, a = ws.estimate
    guard m > 0 else { return }
    let (mean, m2) = ctrlMoments(r, m)
    totals.rewards.merge(count: Double(m), mean: mean, m2: m2)
    let std = m > 1 ? (m2 / Double(o.besselStd ? m - 1 : m)).squareRoot() : 0
    let divisor = Swift.max(std + o.stdEpsilon, o.stdFloor)
    var scaleByGroup = o.scale == .group

    switch o.estimator {
    case .standard, .bestOfNDistillation, .worstOfNDistillation:
      if m == 1 {
        switch o.singleSample {
        case .zero: a[0] = 0
        case .raw: a[0] = r[0]
        case .meanZeroStdOne: a[0] = o.scale == .group ? r[0] / Swift.max(1 + o.stdEpsilon, o.stdFloor) : r[0]
        }
        scaleByGroup = false
      } else {
        switch o.baseline {
        case .none: for k in 0..<m { a[k] = r[k] }
        case .groupMean: for k in 0..<m { a[k] = r[k] - mean }
        case .leaveOneOut:
          // R_i − mean of the others, shifted by R_0 so that a zero-variance group gives exactly 0.
          let shift = r[0]
          var s = 0.0
          for k in 0..<m { s += r[k] - shift }
          let inverse = 1 / Double(m - 1)
          for k in 0..<m {
            let d = r[k] - shift
            a[k] = d - (s - d) * inverse
          }
        }
      }
    case let .maxAtK(k, baseline), let .passAtK(k, baseline):
      if case .passAtK = o.estimator {
        for i in 0..<m where r[i] != 0 && r[i] != 1 {
          throw .invalidParameter(
            name: "reward", value: r[i],
            reason: "pass@k needs binary rewards (0 or 1): prompt \(b), sample \(ws.index[i])")
        }
      }
      try subsetAdvantages(b, m, k, baseline, ws)
    case let .analyticPassAtK(k):
      for i in 0..<m where r[i] != 0 && r[i] != 1 {
        throw .invalidParameter(
          name: "reward", value: r[i],
          reason: "analytic pass@k needs binary rewards (0 or 1): prompt \(b), sample \(ws.index[i])")
      }
      try subsetAdvantages(b, m, k, .groupMean, ws)
      let rho = CTRLSubsetEstimators.maxAtK(sorted: ws.sorted, m, k: k, weights: ws.weights)
      let sigma = (rho * (1 - rho)).squareRoot()
      for i in 0..<m { a[i] = sigma > 0 ? a[i] / sigma : 0 }
      scaleByGroup = false
    case .maxMinusSecond:
      if m < 2 {
        throw .invalidParameter(
          name: "group size", value: Double(m), reason: "max − second needs 2 valid samples: prompt \(b)")
      }
      var top = -Double.infinity, second = -Double.infinity, topCount = 0
      for i in 0..<m {
        if r[i] > top {
          (second, top, topCount) = (top, r[i], 1)
        } else if r[i] == top {
          topCount += 1
        } else if r[i] > second {
          second = r[i]
        }
      }
      for i in 0..<m { a[i] = topCount == 1 && r[i] == top ? top - second : 0 }
    }
    if scaleByGroup { for k in 0..<m { a[k] /= divisor } }
    let (am, am2) = ctrlMoments(a, m)
    totals.advantages.merge(count: Double(m), mean: am, m2: am2)
    totals.validSamples += m
  }

  /// PKPO advantages `m_i − baseline` of one group (see ``CTRLSubsetEstimators``) into `ws.estimate`.
  func subsetAdvantages(
    _ b: Int, _ m: Int, _ k: Int, _ baseline: CTRLOptions.KBaseline, _ ws: CTRLWorkspace
  ) throws(InfAlignError) {
    let need = baseline == .leaveOneOut ? k + 1 : k
    if k > m || need > m || (baseline == .marginal && k < 2) {
      throw .invalidParameter(
        name: "k", value: Double(k),
        reason: baseline == .marginal && k < 2
          ? "the marginal baseline needs k ≥ 2"
          : "prompt \(b) has \(m) valid samples; this estimator needs at least \(need)")
    }
    let r = ws.reward, order = ws.order, x = ws.sorted, contain = ws.calibrated, a = ws.estimate
    CTRLSubsetEstimators.argsort(r, order, m)
    for p in 0..<m { x[p] = r[order[p]] }
    CTRLSubsetEstimators.meanMaxContaining(sorted: x, m, k: k, out: contain, weights: ws.weights)
    switch baseline {
    case .none:
      for p in 0..<m { a[order[p]] = contain[p] }
    case .groupMean:
      let rho = CTRLSubsetEstimators.maxAtK(sorted: x, m, k: k, weights: ws.weights)
      for p in 0..<m { a[order[p]] = contain[p] - rho }
    case .leaveOneOut, .marginal:
      let others = ws.sortScratch
      CTRLSubsetEstimators.maxAtKOfOthers(
        sorted: x, m, k: baseline == .marginal ? k - 1 : k, out: others, weights: ws.weights)
      for p in 0..<m { a[order[p]] = contain[p] - others[p] }
    }
  }
}
