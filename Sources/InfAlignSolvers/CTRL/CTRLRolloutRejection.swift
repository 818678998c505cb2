import RealModule

/// Rollout rejection sampling: a hard trust region between the trainer's and the inference engine's log-probs that
/// drops tokens, or whole sequences, from the loss. verl 0.9.1 `rollout_corr_helper.py`,
/// `compute_rollout_rejection_mask` (lines 198–413; `algorithm.rollout_correction.rollout_rs`,
/// `rollout_rs_threshold`), whose mask multiplies into `response_mask` before the advantages and the actor's loss
/// (`compute_rollout_correction_and_add_to_batch`, `ray_trainer.py` runs it after the KL-in-reward).
///
/// With `ℓ_t = clamp(log π_old,t − log π_rollout,t, ±20)` per token (verl's `SAFETY_BOUND`):
/// - `k1 = −ℓ_t` (kept when `log lower ≤ k1 ≤ log upper`), `k2 = ℓ_t²/2`, `k3 = e^{ℓ_t} − 1 − ℓ_t` (kept when
///   `≤ upper`);
/// - token level: each token against its own statistic; sequence level: the sum, the mean (`Σ / (|y| + 1e-8)`, verl's
///   `masked_mean`) or the max (0 for an empty response) of the statistic over the response's tokens decides for all
///   of them.
///
/// A rejected token leaves the loss as a masked one does: no policy or KL loss term, no gradient, outputs 0, and it
/// no longer counts in the aggregation's token and sequence counts (nor in the KL means and the clipped fraction).
/// The rewards, the KL-in-reward penalty and the rollout IS weights still see the response as sampled.
public struct CTRLRolloutRejection: Sendable, Hashable {
  /// The divergence statistic and where it is aggregated (verl's option names, with hyphens).
  public enum Statistic: String, Sendable, Hashable, CaseIterable {
    case tokenK1 = "token-k1", tokenK2 = "token-k2", tokenK3 = "token-k3"
    case sequenceSumK1 = "seq-sum-k1", sequenceSumK2 = "seq-sum-k2", sequenceSumK3 = "seq-sum-k3"
    case sequenceMeanK1 = "seq-mean-k1", sequenceMeanK2 = "seq-mean-k2", sequenceMeanK3 = "seq-mean-k3"
    case sequenceMaxK2 = "seq-max-k2", sequenceMaxK3 = "seq-max-k3"

    /// The per-token estimator: 1, 2 or 3.
    var estimator: Int {
      switch self {
      case .tokenK1, .sequenceSumK1, .sequenceMeanK1: 1
      case .tokenK2, .sequenceSumK2, .sequenceMeanK2, .sequenceMaxK2: 2
      case .tokenK3, .sequenceSumK3, .sequenceMeanK3, .sequenceMaxK3: 3
      }
    }

    /// How the tokens' statistics decide: per token, or by their sum, mean or max over the response.
    enum Reduction { case token, sum, mean, max }

    var reduction: Reduction {
      switch self {
      case .tokenK1, .tokenK2, .tokenK3: .token
      case .sequenceSumK1, .sequenceSumK2, .sequenceSumK3: .sum
      case .sequenceMeanK1, .sequenceMeanK2, .sequenceMeanK3: .mean
      case .sequenceMaxK2, .sequenceMaxK3: .max
      }
    }
  }

  public var statistic: Statistic
  /// The upper ratio bound (k1) or the upper divergence bound (k2, k3).
  public var upper: Double
  /// The lower ratio bound, k1 only (verl: `1/upper` when one threshold is given); `nil` for k2 and k3.
  public var lower: Double?

  public init(statistic: Statistic, upper: Double, lower: Double? = nil) {
    self.statistic = statistic
    self.upper = upper
    self.lower = lower
  }

  /// The statistic of one token with `logRatio = log π_old − log π_rollout` (clamped to ±20 first).
  @inline(__always)
  func tokenStatistic(logRatio: Double) -> Double {
    let bound = CTRLRolloutCorrection.logRatioBound
    let l = Swift.min(Swift.max(logRatio, -bound), bound)
    switch statistic.estimator {
    case 1: return -l
    case 2: return 0.5 * (l * l)
    default: return Double.exp(l) - 1 - l
    }
  }

  /// Whether a (token or sequence) statistic passes: `log lower ≤ s ≤ log upper` for k1, `s ≤ upper` otherwise.
  @inline(__always)
  func keeps(_ s: Double) -> Bool {
    if statistic.estimator == 1 { return s >= Double.log(lower ?? 1 / upper) && s <= Double.log(upper) }
    return s <= upper
  }

  /// Checks the bounds: `upper` finite and > 0; for k1 a `lower` finite, > 0 and ≤ `upper`; none for k2 and k3.
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` naming the bound and the statistic.
  func validate() throws(InfAlignError) {
    let name = "rolloutCorrection.reject[\(statistic.rawValue)]"
    guard upper.isFinite, upper > 0 else {
      throw .invalidParameter(name: name + ".upper", value: upper, reason: "must be finite and > 0")
    }
    if statistic.estimator == 1 {
      let lower = lower ?? 1 / upper
      if !(lower.isFinite && lower > 0 && lower <= upper) {
        throw .invalidParameter(
          name: name + ".lower", value: lower, reason: "must be finite, > 0 and at most the upper bound")
      }
    } else if let lower {
      throw .invalidParameter(
        name: name + ".lower", value: lower, reason: "k2 and k3 rejection takes an upper bound only (verl)")
    }
  }

  /// `reject:STAT:UPPER` or, for k1, `reject:STAT:LOWER:UPPER`.
  var text: String {
    "reject:\(statistic.rawValue)" + (statistic.estimator == 1 ? ":\(lower ?? 1 / upper)" : "") + ":\(upper)"
  }
}

extension CTRLRolloutRejection {
  /// Decides for the active tokens of one response: `keep[t]` is cleared for each rejected token (others untouched).
  /// `logRatio(t)` is `log π_old − log π_rollout` of token `t`; `active(t)` the response mask.
  @inline(__always)
  func apply(
    tokens nt: Int, keep: UnsafeMutablePointer<Bool>, active: (Int) -> Bool, logRatio: (Int) -> Double
  ) {
    let reduction = statistic.reduction
    if reduction == .token {
      for t in 0..<nt where active(t) && !keeps(tokenStatistic(logRatio: logRatio(t))) { keep[t] = false }
      return
    }
    var sum = 0.0, count = 0, maximum = -Double.infinity
    for t in 0..<nt where active(t) {
      let s = tokenStatistic(logRatio: logRatio(t))
      sum += s
      count += 1
      maximum = Swift.max(maximum, s)
    }
    let s: Double
    switch reduction {
    case .sum: s = sum
    case .mean: s = sum / (Double(count) + 1e-8)  // verl_F.masked_mean
    default: s = count > 0 ? maximum : 0
    }
    if !keeps(s) { for t in 0..<nt { keep[t] = false } }
  }
}
