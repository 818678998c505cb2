/// A batch of samples reweighted toward the exact KL-RL tilt `π*(y|x) ∝ π_ref(y|x)·exp(Φ(u(x,y))/β)` (MATH.md §8),
/// as ``TiltWeights`` returns it: per sample the calibrated reward, its transform and the self-normalized weight; per
/// prompt the normalizer, the effective sample size and the KL of the reweighted sample; for the batch the β used and
/// the exact tilt's predicted KL and win rates.
///
/// Layout: ragged, prompt `b` owns samples `offsets[b] ..< offsets[b + 1]` of the per-sample arrays (the rewards'
/// order).
public struct TiltedSample<T: BLASScalar>: Sendable {
  /// `promptCount + 1` offsets into the per-sample arrays, from 0.
  public let offsets: [Int]
  /// The calibrated reward `u ∈ [0, 1]` of each sample.
  public let calibrated: [T]
  /// `Φ(u)` in `T` (``Transform/apply(_:)``). It overflows to `+∞` for `exp:t` once `t·u` passes ~709 (`Double`) or
  /// ~88.7 (`Float`); the weights never form it (they use `Φ(u)/β − Φ(1)/β`, finite at any `t`).
  public let transformed: [T]
  /// `w_i = exp(Φ(u_i)/β − log Z_b)`: the weights of each prompt have mean 1 (sum `K_b`), so `w_i ≤ K_b`. A weighted
  /// SFT loss `Σ w_i·NLL_i / K_b` is then on the scale of the unweighted one.
  public let weights: [T]
  /// `log Z_b = log((1/K_b)·Σ_i exp(Φ(u_i)/β))`: the log of the **mean** (not the sum) of the unnormalized weights,
  /// the sample estimate of the exact tilt's `log ∫₀¹ exp(Φ(v)/β) dv` (``CalibratedPoint/logZ``).
  public let logZ: [Double]
  /// `(Σ w)² / Σ w²`, in `[1, K_b]`: `K_b` for equal weights, 1 when one sample takes all the mass.
  public let effectiveSampleSize: [Double]
  /// `Σ_i p_i·log(K_b·p_i)`, `p_i = w_i / K_b`: the KL of the reweighted sample against the uniform one, in
  /// `[0, log K_b]`; it tends to the exact tilt's KL as the sample covers `[0, 1]`.
  public let kl: [Double]
  /// The KL weight β used; `+∞` where it exceeds `Double` (`exp:t` with large `t`: see ``logBeta``, ``scaledBeta``).
  public let beta: Double
  /// `log β`, always finite.
  public let logBeta: Double
  /// β in the transform's scaled form `β·e^{−logScale}` (``Transform/logScale``).
  public let scaledBeta: Double
  /// The exact tilt under standard sampling: its KL, `log Z` and standard win rate.
  public let exact: CalibratedPoint
  /// The exact tilt analyzed under each procedure of ``TiltOptions/procedures`` (against the same procedure), in order.
  public let predictions: [CalibratedPoint]

  /// Number of prompts.
  public var promptCount: Int { offsets.count - 1 }

  /// The positions of prompt `b`'s samples in the per-sample arrays.
  public func samples(prompt b: Int) -> Range<Int> {
    precondition(b >= 0 && b < promptCount, "prompt \(b) out of range 0..<\(promptCount)")
    return offsets[b]..<offsets[b + 1]
  }
}
