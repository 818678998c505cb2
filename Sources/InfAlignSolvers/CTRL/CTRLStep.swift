import InfAlignMath

/// One CTRL step for external training code (MATH.md §2, §4, §6): calibrated and transformed rewards, advantages,
/// per-token KL estimates, and the PPO clipped surrogate loss (plus an optional KL loss term) with its gradient
/// with respect to the policy log-probs.
///
/// Inputs and outputs are caller-owned contiguous buffers, one row per prompt group; nothing is copied. The step
/// runs in stages: per group, validity → rewards (calibrate, transform, KL-in-reward) → advantages (estimator,
/// baseline, group scaling); then batch scaling; then per sample and token, the KL estimates, the PPO term, the
/// KL loss term and the gradient. Every stage runs on the process's threads by blocks of groups
/// (``CTRLBlocks``); scratch for one group and one sample per worker is allocated once per call.
public enum CTRLStep {
  /// Runs the step on sequence-level inputs (`groups × groupSize`, one log-prob per sample: the sum over its
  /// tokens).
  ///
  /// - Parameters:
  ///   - rewards: raw rewards of each sample.
  ///   - policyLogProbs: `log π` of each sample (the quantity the gradient is taken with respect to).
  ///   - referenceLogProbs: `log π_ref` of each sample.
  ///   - oldPolicyLogProbs: `log π_old` for the PPO ratio; `nil` means ratio 1 (on-policy, `log π_old = log π`).
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` for options out of their domain
  ///   (``CTRLOptions/validate()``), a transform other than the identity without calibration, or an estimator
  ///   whose `k` exceeds a group's valid samples; ``InfAlignError/nonFinite(field:prompt:index:value:)`` naming
  ///   the array, group and sample of a NaN/±∞ input (with `.throwError`), of a transformed reward that overflows
  ///   `T`, or of a log-ratio whose KL estimate, PPO ratio or gradient overflows (finite inputs never give NaN or
  ///   ∞ outputs); ``InfAlignError/emptyReferences(prompt:count:)`` when group calibration has fewer than two
  ///   valid samples in a group (with `.throwError`; masked otherwise); ``InfAlignError/shapeMismatch(_:)`` when a
  ///   table has a different number of groups.
  ///   - threads: threads of every stage (`nil`: ``Threads/count``), which split the batch into blocks of whole
  ///     groups fixed by the shape alone; results (batch statistics and sums included) are the same bits for any
  ///     count, and the error thrown is the first in group order.
  /// - Complexity: O(groups × G log G) with group calibration, O(groups × G log M) with a table, O(groups × G)
  ///   without calibration.
  public static func run<T: BLASScalar>(
    groups: Int, groupSize g: Int, rewards: UnsafeBufferPointer<T>, policyLogProbs: UnsafeBufferPointer<T>,
    referenceLogProbs: UnsafeBufferPointer<T>, oldPolicyLogProbs: UnsafeBufferPointer<T>? = nil,
    calibration: CTRLCalibration<T>, options: CTRLOptions = .init(), outputs: CTRLOutputs<T>, threads: Int? = nil
  ) throws(InfAlignError) -> CTRLSummary {
    try run(
      groups: groups, groupSize: g, rewards: rewards,
      tokens: CTRLTokens(
        maxTokens: 1, policyLogProbs: policyLogProbs, referenceLogProbs: referenceLogProbs,
        oldPolicyLogProbs: oldPolicyLogProbs),
      calibration: calibration, options: options, outputs: outputs, threads: threads)
  }

  /// Runs the step on token-level inputs: rewards `groups × groupSize`, log-probs and mask
  /// `groups × groupSize × maxTokens`. Per-token outputs (k1, k2, k3, the gradient) have the tokens' shape.
  ///
  /// - Throws: as the sequence-level ``run(groups:groupSize:rewards:policyLogProbs:referenceLogProbs:oldPolicyLogProbs:calibration:options:outputs:)``;
  ///   a non-finite log-prob is reported only for tokens the mask keeps, with the token's position.
  /// - Complexity: O(groups × G × maxTokens) plus the calibration.
  public static func run<T: BLASScalar>(
    groups: Int, groupSize g: Int, rewards: UnsafeBufferPointer<T>, tokens: CTRLTokens<T>,
    calibration: CTRLCalibration<T>, options: CTRLOptions = .init(), outputs: CTRLOutputs<T>, threads: Int? = nil
  ) throws(InfAlignError) -> CTRLSummary {
    // Concrete types, so that the stages are specialized for Double and Float inside this module.
    if T.self == Double.self {
      return try engine(groups, g, rewards as! UnsafeBufferPointer<Double>, tokens as! CTRLTokens<Double>,
                        calibration as! CTRLCalibration<Double>, options, outputs as! CTRLOutputs<Double>, threads)
    }
    if T.self == Float.self {
      return try engine(groups, g, rewards as! UnsafeBufferPointer<Float>, tokens as! CTRLTokens<Float>,
                        calibration as! CTRLCalibration<Float>, options, outputs as! CTRLOutputs<Float>, threads)
    }
    return try engine(groups, g, rewards, tokens, calibration, options, outputs, threads)
  }

  /// The driver: checks, then the group stages, the batch scaling and the token stage.
  static func engine<T: BLASScalar>(
    _ groups: Int, _ g: Int, _ rewards: UnsafeBufferPointer<T>, _ tokens: CTRLTokens<T>,
    _ calibration: CTRLCalibration<T>, _ o: CTRLOptions, _ outputs: CTRLOutputs<T>, _ threads: Int?
  ) throws(InfAlignError) -> CTRLSummary {
    try check(groups, g, rewards, tokens, calibration, o, outputs)
    let n = groups * g, nt = tokens.maxTokens
    let blocks = CTRLBlocks(groups: groups, groupSize: g, maxTokens: nt)
    let spaces = CTRLWorkspaces(workers: blocks.workers(threads: threads), groupSize: g, maxTokens: nt)
    defer { spaces.deallocate() }
    let partial = UnsafeMutableBufferPointer<CTRLBlockTotals>.allocate(capacity: blocks.count)
    defer { partial.deallocate() }
    partial.initialize(repeating: CTRLBlockTotals())  // trivial type: no deinitialization needed
    // Per-sample validity survives the group stage only when samples can be masked.
    let ownValid: UnsafeMutableBufferPointer<Bool>? =
      o.nonFinite == .mask && outputs.valid == nil ? .allocate(capacity: n) : nil
    defer { ownValid?.deallocate() }
    let valid = outputs.valid ?? ownValid

    // Stages 1–3 per group, by blocks of groups over the threads; block totals combined in block order.
    let fast = fastGroups(groups, g, rewards, tokens, calibration, o, outputs, blocks, partial, threads)
    if !fast {
      try blocks.forEach(threads: threads) { (k, worker) throws(InfAlignError) in
        partial[k] = CTRLBlockTotals()
        try stagedGroups(
          blocks.groups(ofBlock: k), g, rewards, tokens, calibration, o, outputs, valid, spaces[worker], &partial[k])
      }
    }
    var totals = CTRLGroupTotals()
    var validTokens = 0, nonEmpty = 0
    for k in 0..<blocks.count {
      totals.merge(partial[k].groups)
      validTokens += partial[k].validTokens
      nonEmpty += partial[k].nonEmpty
    }
    // Batch scaling (each sample on its own: any split gives the same bits).
    if o.scale == .batch || o.scale == .batchWhiten {
      let moments = o.scale == .batch ? totals.rewards : totals.advantages
      let shift = o.scale == .batch ? 0 : moments.mean
      let divisor = Swift.max(moments.std(bessel: o.besselStd) + o.stdEpsilon, o.stdFloor)
      blocks.forEach(threads: threads) { k, _ in
        let range = blocks.groups(ofBlock: k)
        for j in (range.lowerBound * g)..<(range.upperBound * g) where valid?[j] ?? true {
          outputs.advantages[j] = T((Double(outputs.advantages[j]) - shift) / divisor)
        }
      }
    }
    // Stage 4 per sample and token: the vector kernel, else the scalar pass by blocks of groups.
    let ppo = CTRLTerms.PPO(o, onPolicy: tokens.oldPolicyLogProbs == nil)
    let aggregation = CTRLAggregation(
      mode: o.aggregation, validTokens: validTokens, validSamples: totals.validSamples, nonEmptySamples: nonEmpty,
      maxTokens: nt)
    var sums = CTRLTokenTotals()
    if let vector = totals.validSamples == n ? vectorTokens(n, tokens, o, aggregation, outputs, threads) : nil {
      sums = vector
    } else {
      try blocks.forEach(threads: threads) { (k, worker) throws(InfAlignError) in
        partial[k].tokens = CTRLTokenTotals()
        try stagedTokens(
          blocks.groups(ofBlock: k), g, tokens, o, ppo, aggregation, outputs, valid, spaces[worker],
          &partial[k].tokens)
      }
      for k in 0..<blocks.count { sums.merge(partial[k].tokens) }
    }
    let perToken = sums.tokens > 0 ? 1 / Double(sums.tokens) : 0
    return CTRLSummary(
      loss: sums.policyLoss + sums.klLoss, policyLoss: sums.policyLoss, klLoss: sums.klLoss,
      meanK1: sums.k1 * perToken, meanK2: sums.k2 * perToken, meanK3: sums.k3 * perToken,
      clippedFraction: Double(sums.clipped) * perToken, maskedCount: n - totals.validSamples)
  }

  /// Every output of a masked sample is 0.
  static func zeroSample<T: BLASScalar>(_ j: Int, _ nt: Int, _ outputs: CTRLOutputs<T>) {
    outputs.advantages[j] = 0
    outputs.calibrated?[j] = 0
    outputs.transformed?[j] = 0
    for t in (j * nt)..<((j + 1) * nt) {
      outputs.lossGradient[t] = 0
      outputs.k1?[t] = 0
      outputs.k2?[t] = 0
      outputs.k3?[t] = 0
    }
  }

  /// Shapes (preconditions: programmer errors), options and option/calibration combinations (typed errors).
  static func check<T: BLASScalar>(
    _ groups: Int, _ g: Int, _ rewards: UnsafeBufferPointer<T>, _ tokens: CTRLTokens<T>,
    _ calibration: CTRLCalibration<T>, _ o: CTRLOptions, _ outputs: CTRLOutputs<T>
  ) throws(InfAlignError) {
    precondition(groups >= 0 && g >= 0 && tokens.maxTokens >= 1, "bad shape \(groups)×\(g)×\(tokens.maxTokens)")
    let (n, nt) = groups.multipliedReportingOverflow(by: g).overflow
      ? (-1, -1) : (groups * g, groups * g * tokens.maxTokens)
    precondition(n >= 0, "groups × groupSize overflows")
    precondition(
      rewards.count == n && tokens.policyLogProbs.count == nt && tokens.referenceLogProbs.count == nt
        && (tokens.oldPolicyLogProbs?.count ?? nt) == nt && (tokens.mask?.count ?? nt) == nt,
      "CTRL inputs must hold groups × groupSize = \(n) rewards and \(nt) log-probs each")
    precondition(
      outputs.advantages.count == n && (outputs.calibrated?.count ?? n) == n && (outputs.transformed?.count ?? n) == n
        && (outputs.valid?.count ?? n) == n && outputs.lossGradient.count == nt && (outputs.k1?.count ?? nt) == nt
        && (outputs.k2?.count ?? nt) == nt && (outputs.k3?.count ?? nt) == nt,
      "CTRL outputs must hold \(n) values per sample and \(nt) per token")
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
  }
}
