import RealModule

/// Rollout/training mismatch correction: the PPO loss of each token is multiplied by a stopped importance weight
/// `w = π_old/π_rollout` between the trainer's and the inference engine's log-probs of the same tokens, truncated
/// (TIS) or masked to a band (IcePop). verl 0.9.1 `rollout_corr_helper.py`, `compute_rollout_correction_weights`
/// (`algorithm.rollout_correction.rollout_is` = `token` | `sequence`, `rollout_is_threshold` = `UPPER` or
/// `"LOWER_UPPER"`), applied by `compute_policy_loss_vanilla(..., rollout_is_weights=)`.
///
/// - token level: `w_t = exp(clamp(log π_old,t − log π_rollout,t, ±20))`;
/// - sequence level: `w = exp(clamp(Σ_t mask_t·(log π_old,t − log π_rollout,t), ±20))` for every token;
/// - TIS: `min(w, upper)`; IcePop: `w` where `lower ≤ w ≤ upper`, else 0.
///
/// The weight multiplies the policy loss term and its gradient (it carries none itself); the KL loss term and the
/// clipped fraction are not weighted. `log π_old` is the policy's own log-prob on-policy (no old log-probs given).
public struct CTRLRolloutCorrection: Sendable, Hashable {
  /// Where the weight is formed.
  public enum Level: Sendable, Hashable {
    case token, sequence
  }

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

  /// verl's safety bound on the log-ratio before `exp`.
  static let logRatioBound = 20.0

  /// The weight of a token (or a sequence) with log-ratio `logRatio = log π_old − log π_rollout`.
  @inline(__always)
  func weight(logRatio: Double) -> Double {
    let w = Double.exp(Swift.min(Swift.max(logRatio, -Self.logRatioBound), Self.logRatioBound))
    if let lower { return w >= lower && w <= upper ? w : 0 }
    return Swift.min(w, upper)
  }

  /// Checks the bounds: `upper` finite and > 0, `lower` finite, > 0 and ≤ `upper`.
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` naming the bound.
  func validate() throws(InfAlignError) {
    guard upper.isFinite, upper > 0 else {
      throw .invalidParameter(name: "rolloutCorrection.upper", value: upper, reason: "must be finite and > 0")
    }
    if let lower, !(lower.isFinite && lower > 0 && lower <= upper) {
      throw .invalidParameter(
        name: "rolloutCorrection.lower", value: lower, reason: "must be finite, > 0 and at most the upper bound")
    }
  }
}

extension CTRLRolloutCorrection {
  /// Parses `none` (nil), `token:UPPER`, `sequence:UPPER` (TIS) or `token:LOWER:UPPER`, `sequence:LOWER:UPPER`
  /// (IcePop).
  /// - Throws: ``InfAlignError/parse(kind:text:reason:)`` (kind `option`); a bound out of its domain is reported by
  ///   validation.
  public static func parse(_ text: String, option: String) throws(InfAlignError) -> CTRLRolloutCorrection? {
    if text == "none" { return nil }
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    let usage = "expected none, token:UPPER, sequence:UPPER (TIS) or token:LOWER:UPPER, sequence:LOWER:UPPER (IcePop)"
    guard parts.count == 2 || parts.count == 3 else { throw .parse(kind: option, text: text, reason: usage) }
    let level: Level
    switch parts[0] {
    case "token": level = .token
    case "sequence": level = .sequence
    default: throw .parse(kind: option, text: text, reason: usage)
    }
    var bounds: [Double] = []
    for part in parts.dropFirst() {
      guard let x = Double(part) else { throw .parse(kind: option, text: text, reason: "\"\(part)\" is not a number") }
      bounds.append(x)
    }
    return bounds.count == 1
      ? CTRLRolloutCorrection(level: level, upper: bounds[0])
      : CTRLRolloutCorrection(level: level, upper: bounds[1], lower: bounds[0])
  }

  /// The text form ``parse(_:option:)`` reads back.
  public var text: String {
    (level == .token ? "token" : "sequence") + (lower.map { ":\($0)" } ?? "") + ":\(upper)"
  }
}
