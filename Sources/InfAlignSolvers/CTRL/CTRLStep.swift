import InfAlignMath

/// One CTRL step for external training code (MATH.md §2, §4, §6), in one call: builds the ``CTRLBatch`` (which
/// owns every check) and runs it. Calibrated and transformed rewards, advantages, per-token KL estimates, and the
/// PPO clipped surrogate loss (plus an optional KL loss term) with its gradient with respect to the policy
/// log-probs, into caller-owned contiguous buffers, one row per prompt group; nothing is copied.
public enum CTRLStep {
  /// Runs the step on sequence-level inputs (`groups × groupSize`, one log-prob per sample: the sum over its
  /// tokens).
  ///
  /// - Parameters:
  ///   - groups: the number of prompt groups (rows).
  ///   - g: `groupSize`, the samples per group (columns).
  ///   - rewards: raw rewards of each sample.
  ///   - policyLogProbs: `log π` of each sample (the quantity the gradient is taken with respect to).
  ///   - referenceLogProbs: `log π_ref` of each sample.
  ///   - oldPolicyLogProbs: `log π_old` for the PPO ratio; `nil` means ratio 1 (on-policy, `log π_old = log π`).
  ///   - calibration: where the calibration references come from (``CTRLCalibration``).
  ///   - options: the step's transform, estimator, baseline, clipping and KL terms (``CTRLOptions``).
  ///   - outputs: the caller-owned output buffers (``CTRLOutputs``).
  ///   - threads: threads of every stage (`nil`: `Threads.count`), which split the batch into blocks of whole
  ///     groups fixed by the shape alone; results (batch statistics and sums included) are the same bits for any
  ///     count, and the error thrown is the first in group order.
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` for options out of their domain
  ///   (``CTRLOptions/validate()``), a transform other than the identity without calibration, or an estimator
  ///   whose `k` exceeds a group's valid samples; ``InfAlignError/nonFinite(field:prompt:index:value:)`` naming
  ///   the array, group and sample of a NaN/±∞ input (with `.throwError`), of a transformed reward that overflows
  ///   `T`, or of a log-ratio whose KL estimate, PPO ratio or gradient overflows (finite inputs never give NaN or
  ///   ∞ outputs); ``InfAlignError/emptyReferences(prompt:count:)`` when group calibration has fewer than two
  ///   valid samples in a group (with `.throwError`; masked otherwise); ``InfAlignError/shapeMismatch(_:)`` for a
  ///   buffer whose length is not the shape's, an output overlapping an input, or a table with a different number
  ///   of groups (``CTRLBatch/init(groups:groupSize:rewards:tokens:calibration:options:outputs:)``).
  /// - Complexity: O(groups × G log G) with group calibration, O(groups × G log M) with a table, O(groups × G)
  ///   without calibration.
  public static func run<T: BLASScalar>(
    groups: Int, groupSize g: Int, rewards: UnsafeBufferPointer<T>, policyLogProbs: UnsafeBufferPointer<T>,
    referenceLogProbs: UnsafeBufferPointer<T>, oldPolicyLogProbs: UnsafeBufferPointer<T>? = nil,
    calibration: CTRLCalibration<T>, options: CTRLOptions = .init(), outputs: CTRLOutputs<T>, threads: Int? = nil
  ) throws(InfAlignError) -> CTRLSummary {
    try CTRLBatch(
      groups: groups, groupSize: g, rewards: rewards, policyLogProbs: policyLogProbs,
      referenceLogProbs: referenceLogProbs, oldPolicyLogProbs: oldPolicyLogProbs, calibration: calibration,
      options: options, outputs: outputs
    ).run(threads: threads)
  }

  /// Runs the step on token-level inputs: rewards `groups × groupSize`, log-probs and mask
  /// `groups × groupSize × maxTokens`. Per-token outputs (k1, k2, k3, the gradient) have the tokens' shape.
  ///
  /// - Throws: as the sequence-level ``run(groups:groupSize:rewards:policyLogProbs:referenceLogProbs:oldPolicyLogProbs:calibration:options:outputs:threads:)``;
  ///   a non-finite log-prob is reported only for tokens the mask keeps, with the token's position.
  /// - Complexity: O(groups × G × maxTokens) plus the calibration.
  public static func run<T: BLASScalar>(
    groups: Int, groupSize g: Int, rewards: UnsafeBufferPointer<T>, tokens: CTRLTokens<T>,
    calibration: CTRLCalibration<T>, options: CTRLOptions = .init(), outputs: CTRLOutputs<T>, threads: Int? = nil
  ) throws(InfAlignError) -> CTRLSummary {
    try CTRLBatch(
      groups: groups, groupSize: g, rewards: rewards, tokens: tokens, calibration: calibration, options: options,
      outputs: outputs
    ).run(threads: threads)
  }
}
