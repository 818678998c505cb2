import RealModule

/// Rollout/training mismatch correction (verl 0.9.1 `rollout_corr_helper.py`,
/// `compute_rollout_correction_and_rejection_mask`): importance weights `w = π_old/π_rollout` between the trainer's
/// and the inference engine's log-probs of the same tokens on the policy loss, optionally normalized to mean 1 over
/// the batch, and rejection sampling (``CTRLRolloutRejection``) that drops tokens or sequences from the loss.
///
/// The weights (``Weights``; `compute_rollout_correction_weights`, `algorithm.rollout_correction.rollout_is` =
/// `token` | `sequence`, `rollout_is_threshold` = `UPPER` or `"LOWER_UPPER"`), applied by
/// `compute_policy_loss_vanilla(..., rollout_is_weights=)`:
/// - token level: `w_t = exp(clamp(log π_old,t − log π_rollout,t, ±20))`;
/// - sequence level: `w = exp(clamp(Σ_t mask_t·(log π_old,t − log π_rollout,t), ±20))` for every token;
/// - TIS: `min(w, upper)`; IcePop: `w` where `lower ≤ w ≤ upper`, else 0;
/// - ``batchNormalize`` (`rollout_is_batch_normalize`, lines 607–630): divided by their batch mean `m` when
///   `m > 1e-8`: at the token level `m = Σ w_t / (tokens + 1e-8)` over the batch's response tokens; at the sequence
///   level `m` is the mean over non-empty responses of `Σ_t w / (|y| + 1e-8)`. Rejection does not enter `m` (verl
///   computes the weights on the response mask as sampled).
///
/// The weight multiplies the policy loss term and its gradient (it carries none itself); the KL loss term and the
/// clipped fraction are not weighted. `log π_old` is the policy's own log-prob on-policy (no old log-probs given).
/// Sequence-masked TIS (verl's `decoupled_seq_is_rs`, "Seq-MIS") is `sequence:2,reject:seq-sum-k1:0.5:2`.
public struct CTRLRolloutCorrection: Sendable, Hashable {
  /// Where the weight is formed.
  public enum Level: Sendable, Hashable {
    case token, sequence
  }

  /// The importance weights: a level and TIS's cap or IcePop's band.
  public struct Weights: Sendable, Hashable {
    public var level: Level
    /// TIS's truncation (the weight's upper bound), or IcePop's upper band edge.
    public var upper: Double
    /// IcePop's lower band edge; `nil` for TIS.
    public var lower: Double?

    public init(level: Level, upper: Double, lower: Double? = nil) {
      self.level = level
      self.upper = upper
      self.lower = lower
    }
  }

  /// The importance weights on the policy loss; `nil` for none (rejection only: verl `rollout_is=None`).
  public var weights: Weights?
  /// Divide the weights by their batch mean (verl `rollout_is_batch_normalize`); needs ``weights``.
  public var batchNormalize: Bool
  /// Rejection criteria, all of which a token (or its sequence) must pass (verl's comma-separated `rollout_rs`).
  public var rejections: [CTRLRolloutRejection]

  /// TIS or IcePop weights at `level`, with optional batch normalization and rejection.
  public init(
    level: Level, upper: Double, lower: Double? = nil, batchNormalize: Bool = false,
    rejections: [CTRLRolloutRejection] = []
  ) {
    self.init(weights: Weights(level: level, upper: upper, lower: lower), batchNormalize: batchNormalize,
              rejections: rejections)
  }

  public init(weights: Weights?, batchNormalize: Bool = false, rejections: [CTRLRolloutRejection] = []) {
    self.weights = weights
    self.batchNormalize = batchNormalize
    self.rejections = rejections
  }

  /// verl's safety bound on the log-ratio before `exp`.
  static let logRatioBound = 20.0

  /// Checks the bounds: `upper` finite and > 0, `lower` finite, > 0 and ≤ `upper`; each rejection's; batch
  /// normalization needs weights; and something to do.
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` naming the bound.
  func validate() throws(InfAlignError) {
    if let weights { try weights.validate() }
    if batchNormalize, weights == nil {
      throw .invalidParameter(
        name: "rolloutCorrection.batchNormalize", value: 1, reason: "normalizes importance weights; set a level")
    }
    if weights == nil, rejections.isEmpty {
      throw .invalidParameter(
        name: "rolloutCorrection", value: .nan, reason: "neither weights nor rejection; use none (nil) instead")
    }
    for rejection in rejections { try rejection.validate() }
  }
}

extension CTRLRolloutCorrection.Weights {
  /// The weight of a token (or a sequence) with log-ratio `logRatio = log π_old − log π_rollout`.
  @inline(__always)
  func weight(logRatio: Double) -> Double {
    let bound = CTRLRolloutCorrection.logRatioBound
    let w = Double.exp(Swift.min(Swift.max(logRatio, -bound), bound))
    if let lower { return w >= lower && w <= upper ? w : 0 }
    return Swift.min(w, upper)
  }

  func validate() throws(InfAlignError) {
    guard upper.isFinite, upper > 0 else {
      throw .invalidParameter(name: "rolloutCorrection.upper", value: upper, reason: "must be finite and > 0")
    }
    if let lower, !(lower.isFinite && lower > 0 && lower <= upper) {
      throw .invalidParameter(
        name: "rolloutCorrection.lower", value: lower, reason: "must be finite, > 0 and at most the upper bound")
    }
  }

  var text: String { (level == .token ? "token" : "sequence") + (lower.map { ":\($0)" } ?? "") + ":\(upper)" }
}
