import InfAlignMath

/// One validated CTRL batch: the only way into the step (MATH.md §2, §4, §6).
///
/// It holds a step's inputs (rewards, log-probs, mask), its caller-owned outputs, its calibration and options,
/// and its initializer owns *every* check a step needs: shapes (zero groups, zero samples per group and zero
/// tokens per sample are valid, empty batches), buffer lengths against the shape, outputs against inputs (no
/// output may overlap an input or another output), the calibration table against the groups, the options against
/// their domains and against the shape (an estimator's `k` or `N` against the group size). A batch that was
/// built therefore runs without reaching a `precondition`: what can still fail in ``run(threads:)`` depends on
/// the data (a non-finite value, a group with too few valid samples, an overflow), and is a typed error naming
/// the group, sample and token.
///
/// The stages of the step are its methods (`CTRLBatch+Groups.swift`, `+Advantages`, `+FastGroups`, `+Tokens`,
/// `+Vector`, `+Blocks`); ``run(threads:)`` drives them: per group, validity → rewards (calibrate, transform,
/// KL-in-reward) → advantages (estimator, baseline, group scaling); then batch scaling; then per sample and token,
/// the KL estimates, the PPO term, the KL loss term and the gradient. Every stage runs on the process's threads
/// by blocks of whole groups (`CTRLBlocks`); scratch for one group and one sample per worker
/// (`CTRLWorkspaces`) is allocated once per run.
///
/// A batch holds views of caller memory: the buffers must stay valid and unchanged in size while it is used. It
/// may be built once and run many times over the same buffers with new contents (a training loop). It is
/// `package` for that reason: the C ABI and the tests build it over buffers; the public entry points
/// (``CTRLStep``) build one per call over spans and arrays, whose memory the call itself keeps alive.
package struct CTRLBatch<T: BLASScalar> {
  /// Prompt groups (rows).
  package let groups: Int
  /// Samples per group.
  package let groupSize: Int
  /// Raw rewards, `groups × groupSize`.
  package let rewards: UnsafeBufferPointer<T>
  /// Log-probs and mask, `groups × groupSize × maxTokens` (`maxTokens` 1 and no mask at the sequence level).
  package let tokens: CTRLTokens<T>
  package let calibration: CTRLCalibration<T>
  package let options: CTRLOptions
  package let outputs: CTRLOutputs<T>

  /// Samples in the batch, `groups × groupSize`.
  package var samples: Int { groups * groupSize }
  /// Tokens per sample.
  package var maxTokens: Int { tokens.maxTokens }

  /// A token-level batch: rewards `groups × groupSize`, log-probs and mask `groups × groupSize × maxTokens`.
  ///
  /// - Throws: ``InfAlignError/shapeMismatch(_:)`` for a negative or overflowing shape, a buffer whose length is
  ///   not the shape's, an output overlapping an input or another output, or a table with another number of
  ///   prompts than `groups`; ``InfAlignError/invalidParameter(name:value:reason:)`` for options out of their
  ///   domain (``CTRLOptions/validate()``), a transform other than the identity or a distillation estimator
  ///   without calibration, or an estimator whose `k` (or `k + 1`, or 2) exceeds `groupSize` in a non-empty
  ///   batch.
  /// - Complexity: O(1) (no data is read).
  package init(
    groups: Int, groupSize: Int, rewards: UnsafeBufferPointer<T>, tokens: CTRLTokens<T>,
    calibration: CTRLCalibration<T>, options: CTRLOptions = .init(), outputs: CTRLOutputs<T>
  ) throws(InfAlignError) {
    try Self.checkShape(groups, groupSize, rewards, tokens, outputs)
    try Self.checkOverlaps(rewards, tokens, outputs)
    try Self.checkOptions(groups, groupSize, calibration, options)
    try Self.checkRollout(tokens, options)
    self.groups = groups
    self.groupSize = groupSize
    self.rewards = rewards
    self.tokens = tokens
    self.calibration = calibration
    self.options = options
    self.outputs = outputs
  }

  /// A sequence-level batch: every array `groups × groupSize`, one log-prob per sample (the sum over its tokens).
  /// `oldPolicyLogProbs` `nil` means on-policy (ratio exactly 1).
  ///
  /// - Throws: as ``init(groups:groupSize:rewards:tokens:calibration:options:outputs:)``.
  package init(
    groups: Int, groupSize: Int, rewards: UnsafeBufferPointer<T>, policyLogProbs: UnsafeBufferPointer<T>,
    referenceLogProbs: UnsafeBufferPointer<T>, oldPolicyLogProbs: UnsafeBufferPointer<T>? = nil,
    calibration: CTRLCalibration<T>, options: CTRLOptions = .init(), outputs: CTRLOutputs<T>
  ) throws(InfAlignError) {
    try self.init(
      groups: groups, groupSize: groupSize, rewards: rewards,
      tokens: CTRLTokens(
        maxTokens: 1, policyLogProbs: policyLogProbs, referenceLogProbs: referenceLogProbs,
        oldPolicyLogProbs: oldPolicyLogProbs),
      calibration: calibration, options: options, outputs: outputs)
  }

  /// Runs the step, writing every output and returning the batch's summary.
  ///
  /// - Parameter threads: threads of every stage (`nil`: `Threads.count`), which split the batch into blocks of
  ///   whole groups fixed by the shape alone; results (batch statistics and sums included) are the same bits for
  ///   any count, and the error thrown is the first in group order.
  /// - Throws: ``InfAlignError/nonFinite(field:prompt:index:value:)`` naming the array, group, sample (and token)
  ///   of a NaN/±∞ input (with `.throwError`), of a transformed reward that overflows `T`, or of a log-ratio whose
  ///   KL estimate, PPO ratio or gradient overflows (finite inputs never give NaN or ∞ outputs);
  ///   ``InfAlignError/emptyReferences(prompt:count:)`` when group calibration has fewer than two valid samples in
  ///   a group (with `.throwError`; masked otherwise); ``InfAlignError/invalidParameter(name:value:reason:)`` for
  ///   an estimator whose `k` exceeds a group's *valid* samples after masking, or non-binary rewards for pass@k.
  /// - Complexity: O(groups × G log G) with group calibration, O(groups × G log M) with a table, O(groups × G)
  ///   without calibration, plus O(groups × G × maxTokens) for the tokens.
  package func run(threads: Int? = nil) throws(InfAlignError) -> CTRLSummary {
    // Concrete types, so that the stages are specialized for Double and Float inside this module (the types are
    // the same, so the bit casts are identities).
    if T.self == Double.self { return try unsafeBitCast(self, to: CTRLBatch<Double>.self).execute(threads) }
    if T.self == Float.self { return try unsafeBitCast(self, to: CTRLBatch<Float>.self).execute(threads) }
    return try execute(threads)
  }

  /// The driver. Where the token kernel applies (``tokenKernelLevel``) it first runs optimistically: the group stage
  /// checks rewards only, and the kernel checks each log-prob as it reads it, so the rows are read once. A non-finite
  /// log-prob, or any error of that attempt, makes it start over with every check in its place (which rewrites every
  /// output and gives the error, or the masking, of the checked order).
  func execute(_ threads: Int?) throws(InfAlignError) -> CTRLSummary {
    if tokenKernelLevel != nil, let summary = try? attempt(threads, rowsChecked: false) { return summary }
    // With the rows checked, the token stage falls back per sample and never gives up: the attempt always returns.
    return try attempt(threads, rowsChecked: true)!
  }

  /// The group stages, the batch scaling and the token stage; `nil` when `rowsChecked` is false and the kernel met
  /// a value that is not finite.
  func attempt(_ threads: Int?, rowsChecked: Bool) throws(InfAlignError) -> CTRLSummary? {
    let o = options, g = groupSize, n = samples, nt = maxTokens
    let blocks = CTRLBlocks(groups: groups, groupSize: g, maxTokens: nt)
    // Scratch for one group and one sample's tokens per worker; an empty batch may name any group size or token
    // count without data behind it, so it gets none (otherwise both are bounded by the inputs' lengths).
    let spaces = CTRLWorkspaces(
      workers: blocks.workers(threads: threads), groupSize: n > 0 ? g : 0, maxTokens: n > 0 ? nt : 0)
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
    if !fastGroups(blocks, partial, valid, threads) {
      try blocks.forEach(threads: threads) { (k, worker) throws(InfAlignError) in
        partial[k] = CTRLBlockTotals()
        try stagedGroups(blocks.groups(ofBlock: k), valid, spaces[worker], &partial[k], rowsChecked: rowsChecked)
      }
    }
    var totals = CTRLGroupTotals()
    var validTokens = 0, nonEmpty = 0, weightSum = 0.0, weightCount = 0.0
    for k in 0..<blocks.count {
      totals.merge(partial[k].groups)
      validTokens += partial[k].validTokens
      nonEmpty += partial[k].nonEmpty
      weightSum += partial[k].rolloutWeightSum
      weightCount += partial[k].rolloutWeightCount
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
    let aggregation = CTRLAggregation(
      mode: o.aggregation, validTokens: validTokens, validSamples: totals.validSamples, nonEmptySamples: nonEmpty,
      maxTokens: nt, rolloutDivisor: rolloutWeightDivisor(sum: weightSum, count: weightCount))
    var sums = CTRLTokenTotals()
    if let vector = totals.validSamples == n ? vectorTokens(aggregation, threads) : nil {
      sums = vector
    } else {
      let ppo = CTRLTerms.PPO(o, onPolicy: tokens.oldPolicyLogProbs == nil)
      try blocks.forEach(threads: threads) { (k, worker) throws(InfAlignError) in
        partial[k].tokens = CTRLTokenTotals()
        try stagedTokens(
          blocks.groups(ofBlock: k), ppo, aggregation, valid, spaces[worker], &partial[k].tokens,
          rowsChecked: rowsChecked)
      }
      for k in 0..<blocks.count where partial[k].tokens.tokens < 0 { return nil }
      for k in 0..<blocks.count { sums.merge(partial[k].tokens) }
    }
    let perToken = sums.tokens > 0 ? 1 / Double(sums.tokens) : 0
    let summary = CTRLSummary(
      loss: sums.policyLoss + sums.klLoss, policyLoss: sums.policyLoss, klLoss: sums.klLoss,
      meanK1: sums.k1 * perToken, meanK2: sums.k2 * perToken, meanK3: sums.k3 * perToken,
      clippedFraction: Double(sums.clipped) * perToken, maskedCount: n - totals.validSamples)
    try Self.checkFinite(summary)
    return summary
  }

  /// Every per-token term is finite (checked where it is made), but their sums over the batch can still overflow
  /// `Double` (a KL coefficient of 1e300): a typed error, never an infinite loss reported as success.
  /// No allocation (the benchmarks count them): one comparison per field.
  static func checkFinite(_ s: CTRLSummary) throws(InfAlignError) {
    func check(_ name: StaticString, _ value: Double) throws(InfAlignError) {
      guard !value.isFinite else { return }
      throw .invalidParameter(
        name: "\(name)", value: value,
        reason: "the batch's sum of finite per-token terms overflows Double; scale down the rewards, the KL "
          + "coefficients or the log-ratios")
    }
    try check("loss", s.loss)
    try check("policy loss", s.policyLoss)
    try check("KL loss", s.klLoss)
    try check("mean k1", s.meanK1)
    try check("mean k2", s.meanK2)
    try check("mean k3", s.meanK3)
  }

  /// Every output of masked sample `j` is 0.
  func zeroSample(_ j: Int) {
    let nt = maxTokens
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
}
