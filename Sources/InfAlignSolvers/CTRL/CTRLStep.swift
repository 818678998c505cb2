import InfAlignMath

/// One CTRL step for external training code (MATH.md §2, §4, §6), in one call: builds the validated batch (which
/// owns every check) and runs it. Calibrated and transformed rewards, advantages, per-token KL estimates, and the
/// PPO clipped surrogate loss (plus an optional KL loss term) with its gradient with respect to the policy
/// log-probs, one row per prompt group.
///
/// The inputs are spans (`array.span`) and the outputs a ``CTRLOutputArrays`` made once for the shape and rewritten
/// in place by every step: nothing is copied and nothing is allocated per step beyond the step's own scratch. The
/// matrix and array forms (`CTRLResult.swift`) allocate their outputs instead.
public enum CTRLStep {
  /// Runs the step on sequence-level inputs (`groups × groupSize`, one log-prob per sample: the sum over its
  /// tokens), writing into `outputs`.
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
  ///   - outputs: the step's outputs (``CTRLOutputArrays``), made for this shape (`maxTokens` 1); every array in it
  ///     is rewritten.
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
  ///   negative shape, an input or output whose length is not the shape's, or a table with a different number of
  ///   groups.
  /// - Complexity: O(groups × G log G) with group calibration, O(groups × G log M) with a table, O(groups × G)
  ///   without calibration.
  public static func run<T: BLASScalar>(
    groups: Int, groupSize g: Int, rewards: Span<T>, policyLogProbs: Span<T>, referenceLogProbs: Span<T>,
    oldPolicyLogProbs: Span<T>? = nil, calibration: CTRLCalibration<T>, options: CTRLOptions = .init(),
    into outputs: inout CTRLOutputArrays<T>, threads: Int? = nil
  ) throws(InfAlignError) -> CTRLSummary {
    try run(
      groups: groups, groupSize: g, maxTokens: 1, rewards: rewards, policyLogProbs: policyLogProbs,
      referenceLogProbs: referenceLogProbs, oldPolicyLogProbs: oldPolicyLogProbs, calibration: calibration,
      options: options, into: &outputs, threads: threads)
  }

  /// Runs the step on token-level inputs: rewards `groups × groupSize`, log-probs and the mask
  /// `groups × groupSize × maxTokens` (row-major), writing into `outputs`. Per-token outputs (k1, k2, k3, the
  /// gradient) have the tokens' shape.
  ///
  /// - Parameters:
  ///   - groups: the number of prompt groups.
  ///   - g: `groupSize`, the samples per group.
  ///   - maxTokens: the tokens per sample (padded; the mask says which count).
  ///   - rewards: raw rewards of each sample (`groups × groupSize`).
  ///   - policyLogProbs: `log π` of each token (the quantity the gradient is taken with respect to).
  ///   - referenceLogProbs: `log π_ref` of each token.
  ///   - oldPolicyLogProbs: `log π_old` per token for the PPO ratio; `nil` means ratio 1 (on-policy).
  ///   - mask: `true` for response tokens; `nil` means every token counts.
  ///   - rolloutLogProbs: `log π_rollout` per token, the inference engine's log-probs of the sampled tokens, for
  ///     ``CTRLOptions/rolloutCorrection`` (required by it, refused without it).
  ///   - calibration: where the calibration references come from (``CTRLCalibration``).
  ///   - options: the step's transform, estimator, baseline, clipping and KL terms (``CTRLOptions``).
  ///   - outputs: the step's outputs (``CTRLOutputArrays``), made for this shape; every array in it is rewritten.
  ///   - threads: as in the sequence-level form.
  /// - Throws: as the sequence-level ``run(groups:groupSize:rewards:policyLogProbs:referenceLogProbs:oldPolicyLogProbs:calibration:options:into:threads:)``;
  ///   a non-finite log-prob is reported only for tokens the mask keeps, with the token's position.
  /// - Complexity: O(groups × G × maxTokens) plus the calibration.
  public static func run<T: BLASScalar>(
    groups: Int, groupSize g: Int, maxTokens: Int, rewards: Span<T>, policyLogProbs: Span<T>,
    referenceLogProbs: Span<T>, oldPolicyLogProbs: Span<T>? = nil, mask: Span<Bool>? = nil,
    rolloutLogProbs: Span<T>? = nil, calibration: CTRLCalibration<T>, options: CTRLOptions = .init(),
    into outputs: inout CTRLOutputArrays<T>, threads: Int? = nil
  ) throws(InfAlignError) -> CTRLSummary {
    try rewards.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try policyLogProbs.withUnsafeBufferPointer { (lp) throws(InfAlignError) in
        try referenceLogProbs.withUnsafeBufferPointer { (lr) throws(InfAlignError) in
          try withOptionalBuffer(oldPolicyLogProbs) { (old) throws(InfAlignError) in
            try withOptionalBuffer(mask) { (m) throws(InfAlignError) in
              try withOptionalBuffer(rolloutLogProbs) { (rollout) throws(InfAlignError) in
                try outputs.withBuffers { (out) throws(InfAlignError) in
                  try run(
                    groups: groups, groupSize: g, rewards: r,
                    tokens: CTRLTokens(
                      maxTokens: maxTokens, policyLogProbs: lp, referenceLogProbs: lr, oldPolicyLogProbs: old,
                      mask: m, rolloutLogProbs: rollout),
                    calibration: calibration, options: options, outputs: out, threads: threads)
                }
              }
            }
          }
        }
      }
    }
  }

  /// The buffer form of ``run(groups:groupSize:rewards:policyLogProbs:referenceLogProbs:oldPolicyLogProbs:calibration:options:into:threads:)``,
  /// for this package's modules (the C ABI, the tests): the caller keeps the memory valid (the batch checks
  /// lengths and overlaps).
  package static func run<T: BLASScalar>(
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

  /// The buffer form of the token-level step, for this package's modules.
  package static func run<T: BLASScalar>(
    groups: Int, groupSize g: Int, rewards: UnsafeBufferPointer<T>, tokens: CTRLTokens<T>,
    calibration: CTRLCalibration<T>, options: CTRLOptions = .init(), outputs: CTRLOutputs<T>, threads: Int? = nil
  ) throws(InfAlignError) -> CTRLSummary {
    try CTRLBatch(
      groups: groups, groupSize: g, rewards: rewards, tokens: tokens, calibration: calibration, options: options,
      outputs: outputs
    ).run(threads: threads)
  }
}
