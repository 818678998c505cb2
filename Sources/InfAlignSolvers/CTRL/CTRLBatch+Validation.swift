import InfAlignMath

// Every check of a CTRL step, made once when a ``CTRLBatch`` is built: after these, no input reaches a
// `precondition` of the stages, whatever the shape.

extension CTRLBatch {
  /// The shape and every buffer's length against it.
  static func checkShape(
    _ groups: Int, _ g: Int, _ rewards: UnsafeBufferPointer<T>, _ tokens: CTRLTokens<T>, _ outputs: CTRLOutputs<T>
  ) throws(InfAlignError) {
    let nt = tokens.maxTokens
    if groups < 0 || g < 0 || nt < 0 {
      throw .shapeMismatch("the shape \(groups) groups × \(g) samples × \(nt) tokens has a negative size")
    }
    // Element counts (and their byte counts, for the largest element type: a batch is addressable).
    let (n, o1) = groups.multipliedReportingOverflow(by: g)
    let (ntok, o2) = n.multipliedReportingOverflow(by: nt)
    guard !o1, !o2, ntok <= Int.max / 16, n <= Int.max / 16 else {
      throw .shapeMismatch("\(groups) groups × \(g) samples × \(nt) tokens is too large")
    }
    func length(_ name: String, _ count: Int?, _ want: Int) throws(InfAlignError) {
      if let count, count != want {
        throw .shapeMismatch(
          "\(name) holds \(count) values; \(groups) groups × \(g) samples" + (want == n ? "" : " × \(nt) tokens")
            + " need \(want)")
      }
    }
    try length("rewards", rewards.count, n)
    try length("policy log-probs", tokens.policyLogProbs.count, ntok)
    try length("reference log-probs", tokens.referenceLogProbs.count, ntok)
    try length("old policy log-probs", tokens.oldPolicyLogProbs?.count, ntok)
    try length("mask", tokens.mask?.count, ntok)
    try length("rollout log-probs", tokens.rolloutLogProbs?.count, ntok)
    try length("advantages", outputs.advantages.count, n)
    try length("calibrated", outputs.calibrated?.count, n)
    try length("transformed", outputs.transformed?.count, n)
    try length("valid", outputs.valid?.count, n)
    try length("loss gradient", outputs.lossGradient.count, ntok)
    try length("k1", outputs.k1?.count, ntok)
    try length("k2", outputs.k2?.count, ntok)
    try length("k3", outputs.k3?.count, ntok)
  }

  /// No output overlaps an input or another output: the stages read inputs after writing outputs of the same
  /// group (the fast pass reloads rewards while it stores advantages), so an overlap would change results silently.
  /// Inputs may overlap each other (they are only read).
  static func checkOverlaps(_ rewards: UnsafeBufferPointer<T>, _ tokens: CTRLTokens<T>, _ outputs: CTRLOutputs<T>)
    throws(InfAlignError)
  {
    // On the stack: a step's checks allocate nothing (the benchmarks count allocations per step).
    typealias Span = (start: UInt, end: UInt, name: StaticString)
    try withUnsafeTemporaryAllocation(of: Span.self, capacity: 14) { (spans) throws(InfAlignError) in
      var count = 0
      func add<E>(_ name: StaticString, _ base: UnsafePointer<E>?, _ n: Int) {
        guard let base, n > 0 else { return }
        let start = UInt(bitPattern: base)
        spans[count] = (start, start + UInt(n * MemoryLayout<E>.stride), name)
        count += 1
      }
      func add<E>(_ name: StaticString, _ b: UnsafeMutableBufferPointer<E>?) {
        if let b { add(name, UnsafePointer(b.baseAddress), b.count) }
      }
      add("advantages", outputs.advantages)
      add("loss gradient", outputs.lossGradient)
      add("calibrated", outputs.calibrated)
      add("transformed", outputs.transformed)
      add("k1", outputs.k1)
      add("k2", outputs.k2)
      add("k3", outputs.k3)
      add("valid", outputs.valid)
      let outputCount = count
      add("rewards", rewards.baseAddress, rewards.count)
      add("policy log-probs", tokens.policyLogProbs.baseAddress, tokens.policyLogProbs.count)
      add("reference log-probs", tokens.referenceLogProbs.baseAddress, tokens.referenceLogProbs.count)
      if let old = tokens.oldPolicyLogProbs { add("old policy log-probs", old.baseAddress, old.count) }
      if let mask = tokens.mask { add("mask", mask.baseAddress, mask.count) }
      if let rollout = tokens.rolloutLogProbs { add("rollout log-probs", rollout.baseAddress, rollout.count) }
      for i in 0..<outputCount {
        for j in (i + 1)..<count where spans[i].start < spans[j].end && spans[j].start < spans[i].end {
          throw .shapeMismatch(
            "the \(spans[i].name) output overlaps the \(spans[j].name) buffer (they share memory); give each its own")
        }
      }
    }
  }

  /// Options against their domains, against the calibration, and against the shape.
  static func checkOptions(_ groups: Int, _ g: Int, _ calibration: CTRLCalibration<T>, _ o: CTRLOptions)
    throws(InfAlignError)
  {
    try o.validate()
    if case .table(let table) = calibration, table.promptCount != groups {
      throw .shapeMismatch("the calibration table has \(table.promptCount) prompts, the batch has \(groups) groups")
    }
    if case .none = calibration {
      if case .identity = o.transform.kind {} else {
        throw .invalidParameter(
          name: "transform", value: .nan,
          reason: "\(o.transform) acts on calibrated rewards in [0, 1]; without calibration use the identity")
      }
      switch o.estimator {
      case .bestOfNDistillation, .worstOfNDistillation:
        throw .invalidParameter(
          name: "estimator", value: .nan, reason: "best/worst-of-N distillation needs calibrated rewards")
      default: break
      }
    }
    // The samples an estimator needs in every group, checked against the group size once (a group with fewer
    // *valid* samples after masking is still a data error of the run, naming the group).
    guard groups > 0, g > 0 else { return }
    let need: Int, k: Int
    switch o.estimator {
    case .standard, .bestOfNDistillation, .worstOfNDistillation: return
    case .maxMinusSecond: (need, k) = (2, 0)
    case let .maxAtK(kk, baseline), let .passAtK(kk, baseline): (need, k) = (baseline == .leaveOneOut ? kk + 1 : kk, kk)
    case let .analyticPassAtK(kk): (need, k) = (kk, kk)
    }
    guard need > g else { return }
    if o.estimator == .maxMinusSecond {
      throw .invalidParameter(
        name: "group size", value: Double(g), reason: "max − second needs 2 samples per group; the groups have \(g)")
    }
    throw .invalidParameter(
      name: "k", value: Double(k), reason: "\(o.estimator.text) needs \(need) samples per group; the groups have \(g)")
  }

  /// Rollout log-probs and the rollout correction come together: neither is silently ignored.
  static func checkRollout(_ tokens: CTRLTokens<T>, _ o: CTRLOptions) throws(InfAlignError) {
    if o.rolloutCorrection != nil, tokens.rolloutLogProbs == nil {
      throw .invalidParameter(
        name: "rolloutCorrection", value: .nan, reason: "needs the rollout engine's log-probs of the batch's tokens")
    }
    if o.rolloutCorrection == nil, tokens.rolloutLogProbs != nil {
      throw .invalidParameter(
        name: "rolloutLogProbs", value: .nan,
        reason: "rollout log-probs were given without a rollout correction (e.g. token:2 for TIS); set one or omit them")
    }
  }
}
