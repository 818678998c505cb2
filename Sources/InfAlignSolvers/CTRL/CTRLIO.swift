/// Where calibration references come from.
public enum CTRLCalibration<T: BLASScalar>: Sendable {
  /// No calibration: the raw rewards (what verl, TRL and OpenRLHF use). The transform must be the identity.
  case none
  /// Reference rewards for each group (one table row per group), e.g. sampled from π_ref.
  case table(CalibrationTable<T>)
  /// Each sample is calibrated against the other samples of its own group (leave-one-out).
  case group
}

/// Token-level inputs of a CTRL step: per-token log-probs, `groups × groupSize × maxTokens` row-major, and an
/// optional mask of the same shape (`true` for response tokens; `nil` means every token counts).
///
/// The sequence-level path is this with `maxTokens = 1` and no mask. `package`: views of caller memory, for this
/// package's modules (the C ABI builds them over the caller's pointers); the public API takes spans and arrays
/// (`CTRLStep.run(…into:threads:)`).
package struct CTRLTokens<T: BLASScalar> {
  package var maxTokens: Int
  package var policyLogProbs: UnsafeBufferPointer<T>
  package var referenceLogProbs: UnsafeBufferPointer<T>
  /// `log π_old` per token; `nil` means on-policy (ratio exactly 1).
  package var oldPolicyLogProbs: UnsafeBufferPointer<T>?
  package var mask: UnsafeBufferPointer<Bool>?
  /// `log π_rollout` per token, the inference engine's log-probs of the sampled tokens, for
  /// ``CTRLOptions/rolloutCorrection`` (required by it, refused without it).
  package var rolloutLogProbs: UnsafeBufferPointer<T>?

  package init(
    maxTokens: Int, policyLogProbs: UnsafeBufferPointer<T>, referenceLogProbs: UnsafeBufferPointer<T>,
    oldPolicyLogProbs: UnsafeBufferPointer<T>? = nil, mask: UnsafeBufferPointer<Bool>? = nil,
    rolloutLogProbs: UnsafeBufferPointer<T>? = nil
  ) {
    self.rolloutLogProbs = rolloutLogProbs
    self.maxTokens = maxTokens
    self.policyLogProbs = policyLogProbs
    self.referenceLogProbs = referenceLogProbs
    self.oldPolicyLogProbs = oldPolicyLogProbs
    self.mask = mask
  }
}

/// Caller-owned output buffers of a CTRL step. Per-sample outputs hold `groups × groupSize` values, per-token
/// outputs `groups × groupSize × maxTokens` (the same on the sequence path). Pass `nil` for outputs you do not
/// need (except `advantages` and `lossGradient`, which are always written). `package`, as ``CTRLTokens``; the
/// public form is ``CTRLOutputArrays``.
package struct CTRLOutputs<T: BLASScalar> {
  /// Per sample: the calibrated reward (the raw reward without calibration).
  package var calibrated: UnsafeMutableBufferPointer<T>?
  /// Per sample: `Φ(calibrated)` (or the estimator's reward for the distillation estimators).
  package var transformed: UnsafeMutableBufferPointer<T>?
  /// Per sample: the advantage (before a KL return-to-go added per token with
  /// ``CTRLOptions/KLRewardPlacement/afterBaseline``).
  package var advantages: UnsafeMutableBufferPointer<T>
  /// Per token: k1 `ρ`, k2 `ρ²/2`, k3 `e^{−ρ} − 1 + ρ` of `ρ = log π − log π_ref` (k3 with ρ clamped).
  package var k1: UnsafeMutableBufferPointer<T>?
  package var k2: UnsafeMutableBufferPointer<T>?
  package var k3: UnsafeMutableBufferPointer<T>?
  /// Per token: `∂L/∂log π` of the total loss `L` (PPO surrogate plus the KL loss term), advantages held fixed
  /// (they are computed without gradient, as in every peer trainer).
  package var lossGradient: UnsafeMutableBufferPointer<T>
  /// Per sample: `false` for masked samples (with ``CTRLOptions/NonFinitePolicy/mask``).
  package var valid: UnsafeMutableBufferPointer<Bool>?

  package init(
    advantages: UnsafeMutableBufferPointer<T>, lossGradient: UnsafeMutableBufferPointer<T>,
    calibrated: UnsafeMutableBufferPointer<T>? = nil, transformed: UnsafeMutableBufferPointer<T>? = nil,
    k1: UnsafeMutableBufferPointer<T>? = nil, k2: UnsafeMutableBufferPointer<T>? = nil,
    k3: UnsafeMutableBufferPointer<T>? = nil, valid: UnsafeMutableBufferPointer<Bool>? = nil
  ) {
    self.advantages = advantages
    self.lossGradient = lossGradient
    self.calibrated = calibrated
    self.transformed = transformed
    self.k1 = k1
    self.k2 = k2
    self.k3 = k3
    self.valid = valid
  }
}

/// Batch-level results of a CTRL step.
public struct CTRLSummary: Sendable, Equatable {
  /// The total loss: ``policyLoss`` + ``klLoss``.
  public var loss: Double
  /// The PPO surrogate `−agg(min(r·A, clip(r)·A))` (with the dual clip and ratio cap when set).
  public var policyLoss: Double
  /// `β·agg(KL estimate)` of ``CTRLOptions/klLoss`` (0 without it).
  public var klLoss: Double
  /// Means over valid tokens of k1 = ρ, k2 = ρ²/2, k3 = e^{−ρ} − 1 + ρ.
  public var meanK1: Double
  public var meanK2: Double
  public var meanK3: Double
  /// Fraction of valid tokens whose clipped term was strictly the smaller one (verl's `pg_clipfrac`).
  public var clippedFraction: Double
  /// Samples excluded because an input was NaN or ±∞ (always 0 with ``CTRLOptions/NonFinitePolicy/throwError``).
  public var maskedCount: Int

  public init(
    loss: Double, policyLoss: Double = .nan, klLoss: Double = 0, meanK1: Double, meanK2: Double, meanK3: Double,
    clippedFraction: Double, maskedCount: Int
  ) {
    self.loss = loss
    self.policyLoss = policyLoss.isNaN ? loss - klLoss : policyLoss
    self.klLoss = klLoss
    self.meanK1 = meanK1
    self.meanK2 = meanK2
    self.meanK3 = meanK3
    self.clippedFraction = clippedFraction
    self.maskedCount = maskedCount
  }
}
