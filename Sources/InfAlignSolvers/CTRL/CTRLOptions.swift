/// Options of one CTRL training step: which rewards (raw, calibrated, transformed), which advantage estimator and
/// baseline, how advantages are scaled, where the KL regularizer goes (into the reward, into the loss, or both),
/// and the PPO surrogate with its clip conventions and loss aggregation.
///
/// Every convention a peer trainer uses is an option here, so that a migrating user can reproduce their trainer's
/// numbers first (``CTRLPreset``: verl, TRL, OpenRLHF) and then turn on calibration and a transform. The default
/// is InfAlign's CTRL: leave-one-out baseline on calibrated, transformed rewards, PPO clip ε = 0.2, no KL term.
/// Options are checked by ``validate()`` before any data is read (a typed error names the option).
public struct CTRLOptions: Sendable {
  /// The per-group baseline subtracted from the rewards (``Estimator/standard``) or from the estimator's
  /// per-sample values.
  public enum Baseline: Sendable, Hashable {
    /// RLOO: `A_i = R_i − mean_{j≠i} R_j`.
    case leaveOneOut
    /// GRPO: `A_i = R_i − mean_j R_j`.
    case groupMean
    /// REINFORCE: `A_i = R_i`.
    case none
  }

  /// How the advantage of each sample is estimated from its group's rewards (after calibration, transform and a
  /// KL-in-reward penalty placed ``KLRewardPlacement/beforeBaseline``).
  public enum Estimator: Sendable, Hashable {
    /// The reward itself, minus ``CTRLOptions/baseline``.
    case standard
    /// Expected best-of-k reward (max@k, PKPO arXiv 2505.15201): sample `i`'s value is the mean of `max(K)` over
    /// the `k`-subsets `K` of its group that contain it, so that `(k/G)·Σ_i m_i ∇log π(y_i)` is an unbiased
    /// gradient of `E[max of k draws]`; then ``KBaseline`` is subtracted. `1 ≤ k ≤ G`.
    case maxAtK(k: Int, baseline: KBaseline)
    /// pass@k: ``maxAtK(k:baseline:)`` on binary rewards (each must be 0 or 1, else a typed error).
    case passAtK(k: Int, baseline: KBaseline)
    /// The analytic pass@k advantage of arXiv 2508.10751 for binary rewards: `(m_i − ρ̂)/σ` with `ρ̂` the unbiased
    /// pass@k of the group and `σ = √(ρ̂(1 − ρ̂))` (0 when `σ = 0`).
    case analyticPassAtK(k: Int)
    /// verl's `grpo_passk`: only the best sample gets `r_max − r_second`, divided by the group's std when
    /// ``CTRLOptions/scale`` is ``Scale/group``. Tie-safe: this is `max(group) − max(group without i)`, which is 0
    /// for every sample when the maximum is shared (verl's `topk` gives the same numbers).
    case maxMinusSecond
    /// Best-of-N distillation reward `(N − 1)·log F̂` (vBoN/BOND, arXiv 2407.06057, 2407.14622) on the
    /// calibrated reward `F̂` (clamped into `[ε, 1]`, `ε` = ``CTRLOptions/distillationEpsilon``), then
    /// ``CTRLOptions/baseline``. Needs calibration.
    case bestOfNDistillation(n: Int)
    /// The worst-of-N mirror `(N − 1)·log(1 − F̂)`.
    case worstOfNDistillation(n: Int)
  }

  /// Baselines for the k-subset estimators.
  public enum KBaseline: Sendable, Hashable {
    /// No baseline: `A_i = m_i`.
    case none
    /// The group's unbiased estimate `ρ̂_k` (equal to the mean of the `m_i`).
    case groupMean
    /// `ρ̂_k` of the other `G − 1` samples (independent of sample `i`, so unbiased). Needs `k ≤ G − 1`.
    case leaveOneOut
    /// max@(k−1) of the other samples: `A_i` is the mean marginal gain `max(K) − max(K \ {i})` over the k-subsets
    /// containing `i` (PKPO's lower-variance variant; `k = G` gives verl's `grpo_passk`).
    case marginal
  }

  /// How advantages are divided by a spread.
  public enum Scale: Sendable, Hashable {
    /// No scaling (Dr. GRPO, RLOO).
    case none
    /// Divide by the group's std of the baselined rewards: `A / max(std + ε, floor)`.
    case group
    /// Divide the group-baselined advantages by the std of all rewards in the batch (TRL `scale_rewards="batch"`).
    case batch
    /// Whiten over the batch: `(A − mean(A)) / max(std(A) + ε, floor)` (TRL RLOO `normalize_advantages`).
    case batchWhiten
  }

  /// The advantage of a sample that is alone in its group (group size 1, or one valid sample).
  public enum SingleSample: Sendable, Hashable {
    /// 0 (InfAlign, TRL).
    case zero
    /// verl `grpo`: group mean 0 and std 1, so `A = R` or `R / (1 + ε)` when scaled.
    case meanZeroStdOne
    /// verl `rloo`: the raw score, `A = R`.
    case raw
  }

  /// Per-sample (or per-token) KL estimators with `ρ = log π − log π_ref` (Schulman's k1/k2/k3).
  public enum KLEstimator: String, Sendable, Hashable, CaseIterable {
    /// `ρ` (verl `kl`/`k1`).
    case k1
    /// `|ρ|` (verl `abs`).
    case abs
    /// `ρ²/2` (verl `mse`/`k2`).
    case k2
    /// `e^{−ρ} − 1 + ρ` (verl `low_var_kl`/`k3`, TRL GRPO).
    case k3
  }

  /// A KL term: estimator, coefficient and conventions.
  public struct KLTerm: Sendable, Hashable {
    /// Weight β of the term.
    public var coefficient: Double
    public var estimator: KLEstimator
    /// Each estimate is clamped into `[−c, c]` (verl `low_var_kl` and OpenRLHF: 10); `nil` for none.
    public var clamp: Double?
    /// Straight-through gradient (verl's `k3+`): the value is the estimator's, the gradient that of k2 (`ρ`).
    public var straightThrough: Bool

    public init(coefficient: Double, estimator: KLEstimator, clamp: Double? = nil, straightThrough: Bool = false) {
      self.coefficient = coefficient
      self.estimator = estimator
      self.clamp = clamp
      self.straightThrough = straightThrough
    }
  }

  /// Which policy the KL-in-reward penalty is measured from.
  public enum KLSource: Sendable, Hashable {
    /// `log π` (the policy being updated).
    case policy
    /// `log π_old` (the policy that sampled: verl, TRL RLOO, OpenRLHF). Without old log-probs, `log π`.
    case oldPolicy
  }

  /// Where the KL-in-reward penalty enters.
  public enum KLRewardPlacement: Sendable, Hashable {
    /// Subtracted from the reward before baselining and scaling (verl `use_kl_in_reward`, TRL RLOO, InfAlign).
    case beforeBaseline
    /// Added to the advantage after baselining, as a return-to-go over the tokens (OpenRLHF `compute_reward` with
    /// γ = 1: token `t` gets `−β Σ_{s≥t} kl_s`).
    case afterBaseline
  }

  /// How the importance ratio of the PPO surrogate is formed on token-level inputs.
  public enum RatioLevel: Sendable, Hashable {
    /// Per token: `r_t = π(y_t)/π_old(y_t)`.
    case token
    /// GSPO's sequence ratio `exp(mean_t log r_t)` applied to every token (TRL `importance_sampling_level=
    /// "sequence"`, OpenRLHF `gspo`); the gradient of each token is `ratio/|y|`.
    case sequenceMean
    /// `exp(Σ_t log r_t)`, the ratio of sequence probabilities (TRL RLOO).
    case sequenceSum
    /// verl's GSPO token ratio `s_{i,t} = sg[s_i]·π_t/sg[π_t]` (`compute_policy_loss_gspo`, verl 0.9.1
    /// `core_algos.py`): every token's ratio has the value `s_i = exp(mean_t log r_t)`, and the gradient of token
    /// `t` is its own term's, `w·∂ℓ_t/∂log s`. With one advantage per sequence this is ``sequenceMean``'s gradient
    /// (which spreads the sequence's summed terms as `1/|y|`); the two differ when the advantage varies over a
    /// sequence's tokens (a KL return-to-go after the baseline) and at the clamp: the log-ratio clamp applies from
    /// above only, as verl clamps `log s_{i,t}` at 10.
    case sequenceMeanToken
  }

  /// The policy loss per token.
  public enum PolicyLoss: Sendable, Hashable {
    /// The PPO clipped surrogate `−min(r·A, clip(r, 1−ε_low, 1+ε_high)·A)` (with ``dualClip`` and ``ratioCap``).
    case ppo
    /// CISPO (arXiv 2506.13585; verl 0.9.1 `compute_policy_loss_cispo`): `−sg[clip(r, 1−ε_low, 1+ε_high)]·A·log π`,
    /// a clipped, stopped importance weight on the REINFORCE term: every token keeps a gradient
    /// `−clip(r)·A`. The loss value depends on `log π` itself. The ratio's exponent is clamped by
    /// ``logRatioClamp`` (verl: ±20); the dual clip and the ratio cap do not apply.
    case cispo
  }

  /// How the per-token loss matrix becomes one number (verl `loss_agg_mode`, TRL `loss_type`).
  public enum Aggregation: Sendable, Hashable {
    /// Sum over valid tokens / number of valid tokens (verl `token-mean`, TRL `bnpo`/`dapo` on one process,
    /// OpenRLHF token-level loss).
    case tokenMean
    /// Mean over sequences of (token sum / (length + ε)) (verl `seq-mean-token-mean` with ε = 1e-8, excluding
    /// empty sequences; TRL `grpo` divides by `max(length, 1)` and counts empty sequences: `lengthFloorOne`).
    case sequenceMeanTokenMean(lengthEpsilon: Double, lengthFloorOne: Bool)
    /// Mean over non-empty sequences of the token sum (verl `seq-mean-token-sum`).
    case sequenceMeanTokenSum
    /// Sum over all tokens divided by `maxTokens` (verl `seq-mean-token-sum-norm`, Dr. GRPO), and also by the
    /// number of sequences when `perSequence` (TRL `dr_grpo`).
    case tokenSumNormalized(perSequence: Bool)
    /// Mean over non-empty sequences of the token sum, divided by `maxTokens`: verl 0.9.1's
    /// `seq-mean-token-sum-norm` (`agg_loss` in `core_algos.py`, Dr. GRPO), which since the ported commit also
    /// divides by the number of non-empty responses (``tokenSumNormalized(perSequence:)`` is the earlier form).
    case sequenceMeanTokenSumNormalized
  }

  /// What to do with a sample whose inputs contain NaN or ±∞.
  public enum NonFinitePolicy: Sendable, Hashable {
    /// Throw ``InfAlignError/nonFinite(field:prompt:index:value:)`` naming the array, group and sample.
    case throwError
    /// Exclude the sample from group statistics and the loss; its outputs are 0; the count is reported.
    case mask
  }

  // MARK: Rewards

  /// Transform Φ applied to calibrated rewards (MATH.md §4). Must be the identity without calibration.
  public var transform: Transform
  /// Calibration variant `(count + ½)/(M + 1)` (group calibration is always leave-one-out).
  public var smoothing: Bool

  // MARK: Advantages

  public var estimator: Estimator
  public var baseline: Baseline
  public var scale: Scale
  /// Bessel's correction (divide by `n − 1`) in every std (all peers use it; the InfAlign default does not).
  public var besselStd: Bool
  /// Added to the std before dividing (verl 1e-6, TRL 1e-4, OpenRLHF 1e-9).
  public var stdEpsilon: Double
  /// Lower bound of `std + ε` (so a zero-variance group gives 0 advantages, never ∞ or NaN).
  public var stdFloor: Double
  public var singleSample: SingleSample
  /// Clamp of `F̂` and `1 − F̂` before the log of the distillation estimators.
  public var distillationEpsilon: Double

  // MARK: KL

  /// KL subtracted from the reward (with ``klRewardSource`` and ``klRewardPlacement``); `nil` for none.
  public var klReward: KLTerm?
  public var klRewardSource: KLSource
  public var klRewardPlacement: KLRewardPlacement
  /// KL added to the loss with its gradient (verl `use_kl_loss`, TRL GRPO `beta`), aggregated like the policy
  /// loss; `nil` for none.
  public var klLoss: KLTerm?
  /// The KL loss of each token is multiplied by the surrogate's importance ratio `π/π_old` (TRL's
  /// `use_bias_correction_kl`, default `True` in trl 1.16 `grpo_config.py`; `grpo_trainer.py` line 3104,
  /// `per_token_kl = per_token_kl * coef_1`): the ratio at ``ratioLevel`` (for the sequence levels, the sequence's
  /// ratio on each of its tokens), after ``logRatioClamp`` and before any clip, with its gradient. The `k3` column
  /// and mean stay the estimator's; ``CTRLSummary/klLoss`` is the weighted term.
  public var klLossRatioWeighted: Bool

  // MARK: PPO surrogate

  /// Lower clip range: ratios below `1 − ε_low` are clipped.
  public var clipLow: Double
  /// Upper clip range: ratios above `1 + ε_high` are clipped (DAPO's clip-higher when larger than ``clipLow``).
  public var clipHigh: Double
  /// Dual-clip constant `c > 1` (verl's default 3): for negative advantages the objective is at least `c·A`.
  public var dualClip: Double?
  /// TRL's two-sided `delta`: the unclipped ratio is capped at `δ > 1 + ε_high`.
  public var ratioCap: Double?
  /// Log-ratios are clamped into `[−c, c]` before `exp` (the PPO ratio and k3; verl and OpenRLHF: 20). `nil` for
  /// no clamp (TRL): a ratio that overflows is then a typed error naming the sample.
  public var logRatioClamp: Double?
  public var ratioLevel: RatioLevel
  public var policyLoss: PolicyLoss
  /// Rollout/training mismatch correction (TIS, IcePop) from the batch's rollout log-probs; `nil` for none.
  public var rolloutCorrection: CTRLRolloutCorrection?
  public var aggregation: Aggregation

  // MARK: Reports

  /// The `k3` output column and its batch mean are clamped into `[−c, c]`, as verl reports `low_var_kl` (10:
  /// `kl_penalty_forward` in verl 0.9.1 `core_algos.py`, line 2245, `torch.clamp(kld, min=-10, max=10)`); `nil`
  /// reports the estimator itself (TRL). Only the report: the KL loss has its own ``KLTerm/clamp``.
  public var k3ReportClamp: Double?

  /// NaN/∞ handling.
  public var nonFinite: NonFinitePolicy

  public init(
    transform: Transform = .identity, smoothing: Bool = false, estimator: Estimator = .standard,
    baseline: Baseline = .leaveOneOut, scale: Scale = .none, besselStd: Bool = false, stdEpsilon: Double = 0,
    stdFloor: Double = 1e-6, singleSample: SingleSample = .zero, distillationEpsilon: Double = 1e-6,
    klReward: KLTerm? = nil, klRewardSource: KLSource = .policy, klRewardPlacement: KLRewardPlacement = .beforeBaseline,
    klLoss: KLTerm? = nil, klLossRatioWeighted: Bool = false, clipLow: Double = 0.2, clipHigh: Double = 0.2, dualClip: Double? = nil,
    ratioCap: Double? = nil, logRatioClamp: Double? = 20, ratioLevel: RatioLevel = .token,
    policyLoss: PolicyLoss = .ppo, rolloutCorrection: CTRLRolloutCorrection? = nil, aggregation: Aggregation = .tokenMean,
    k3ReportClamp: Double? = nil, nonFinite: NonFinitePolicy = .throwError
  ) {
    self.transform = transform
    self.smoothing = smoothing
    self.estimator = estimator
    self.baseline = baseline
    self.scale = scale
    self.besselStd = besselStd
    self.stdEpsilon = stdEpsilon
    self.stdFloor = stdFloor
    self.singleSample = singleSample
    self.distillationEpsilon = distillationEpsilon
    self.klReward = klReward
    self.klRewardSource = klRewardSource
    self.klRewardPlacement = klRewardPlacement
    self.klLoss = klLoss
    self.klLossRatioWeighted = klLossRatioWeighted
    self.clipLow = clipLow
    self.clipHigh = clipHigh
    self.dualClip = dualClip
    self.ratioCap = ratioCap
    self.logRatioClamp = logRatioClamp
    self.ratioLevel = ratioLevel
    self.policyLoss = policyLoss
    self.rolloutCorrection = rolloutCorrection
    self.aggregation = aggregation
    self.k3ReportClamp = k3ReportClamp
    self.nonFinite = nonFinite
  }
}

extension CTRLOptions {
  /// ``klLossRatioWeighted`` with a KL loss to weight (the vector kernels decline only then).
  var weightsKLLossByRatio: Bool { klLossRatioWeighted && (klLoss?.coefficient ?? 0) != 0 }
}
