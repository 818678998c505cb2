/// Named option sets that reproduce a peer trainer's default advantage + KL + loss stage number for number, and
/// InfAlign's own default. Start from a peer's preset to check the step against your trainer, then turn on
/// calibration, a transform or an inference-aware estimator (docs/MIGRATING.md).
///
/// Each preset names the peer function and version it was ported from (verl `b178a3c`, 2026-01-29; TRL
/// `f2cd577`, 1.10.0.dev0; OpenRLHF 0.11.0 `3c3be62`); the tests compare every preset against an independent
/// implementation of those functions on batches with ties, zero-variance and single-sample groups, ratios outside
/// the clip range and log-ratios beyond the clamps.
///
/// The presets named with a version (`verl-0.9-grpo`, `trl-1.16-grpo`, …) reproduce that release's default recipe
/// where it changed since the pinned commit; each is checked against the installed release itself
/// (`python/peer_tests`, float64, 1e-12): verl 0.9.1, trl 1.16.0, openrlhf 0.11.2 (docs/MIGRATING.md).
public enum CTRLPreset: String, CaseIterable, Sendable, CustomStringConvertible {
  /// InfAlign's CTRL: group (leave-one-out) calibration, the transform of your choice, RLOO baseline, PPO clip 0.2.
  case infalign
  /// verl `compute_grpo_outcome_advantage` (Bessel std + 1e-6; a lone sample has mean 0, std 1), actor
  /// `use_kl_loss` with `low_var_kl` (k3, exponent clamped ±20, estimate ±10) at 0.001, `compute_policy_loss_vanilla`
  /// (clip 0.2, dual clip c = 3, log-ratio clamp ±20), `agg_loss` `token-mean`.
  case verlGRPO = "verl-grpo"
  /// verl `compute_rloo_outcome_advantage` (a lone sample keeps its raw score), `apply_kl_penalty` with `kl` (k1)
  /// from `old_log_probs` at 0.001 into the token rewards, vanilla PPO with dual clip, `token-mean`.
  case verlRLOO = "verl-rloo"
  /// verl Dr. GRPO: `norm_adv_by_std_in_grpo=False`, `seq-mean-token-sum-norm` (token sum / max length), no KL.
  case verlDrGRPO = "verl-drgrpo"
  /// verl `compute_grpo_passk_outcome_advantage`: the best sample gets `(r_max − r_second)/(std + 1e-6)`.
  case verlGRPOPassK = "verl-grpo-passk"
  /// TRL `GRPOTrainer` defaults: `scale_rewards="group"` (Bessel std + 1e-4), `beta=0` (set
  /// ``CTRLOptions/klLoss`` for TRL's β·k3), `epsilon=0.2`, no log-ratio clamp, `loss_type="dapo"` (token sum over
  /// the batch's tokens on one process).
  case trlGRPO = "trl-grpo"
  /// TRL `RLOOTrainer` defaults: `beta=0.05` with k1 from the old log-probs summed per sequence into the reward,
  /// leave-one-out baseline, no normalization, sequence-level ratio of summed log-probs, mean over sequences.
  case trlRLOO = "trl-rloo"
  /// OpenRLHF `group_norm` (Bessel std + 1e-9), `compute_approx_kl` k1 from the sampling policy clamped ±10 at
  /// `init_kl_coef=0.01`, added after baselining as a return-to-go (`compute_reward`, γ = 1), `PolicyLoss` (clip
  /// 0.2, log-ratio clamp ±20, no dual clip), token-level mean.
  case openRLHFGroupNorm = "openrlhf-group-norm"
  /// OpenRLHF `rloo`, otherwise as ``openRLHFGroupNorm``.
  case openRLHFRLOO = "openrlhf-rloo"
  /// verl 0.9.1 GRPO: ``verlGRPO``'s stage (unchanged: `compute_grpo_outcome_advantage`, `core_algos.py` line 268;
  /// `kl_penalty` line 2188; `compute_policy_loss_vanilla` line 1286; `actor.yaml` `loss_agg_mode: token-mean`,
  /// `kl_loss_coef: 0.001`, `kl_loss_type: low_var_kl`, `clip_ratio_c: 3.0`), with the `k3` column and mean
  /// reported as verl reports `low_var_kl`, clamped to ±10 (`kl_penalty_forward`, `core_algos.py` line 2245):
  /// ``CTRLOptions/k3ReportClamp`` = 10. A lone sample's std is still a float32 `torch.tensor(1.0)` in verl
  /// (`std + 1e-6` rounds to `1 + 2⁻²⁰`), which float64 options cannot reproduce on mixed batches.
  case verl09GRPO = "verl-0.9-grpo"
  /// verl 0.9.1 Dr. GRPO (`norm_adv_by_std_in_grpo=False`, `loss_agg_mode=seq-mean-token-sum-norm`, no KL loss):
  /// `agg_loss` now divides the sequences' token sums by the number of non-empty responses as well as by the
  /// horizon (`core_algos.py` lines 1181–1193: `masked_sum(seq_losses, seq_mask) / global_batch_size`, then
  /// `/ loss_scale_factor`), where ``verlDrGRPO`` (b178a3c) divided by the horizon only:
  /// ``CTRLOptions/Aggregation/sequenceMeanTokenSumNormalized``. The `k3` column is reported clamped to ±10.
  case verl09DrGRPO = "verl-0.9-drgrpo"
  /// trl 1.16.0 `GRPOTrainer` defaults: ``trlGRPO`` (`beta=0.0`, `scale_rewards="group"`, `loss_type="dapo"`,
  /// `epsilon=0.2`; `grpo_config.py` lines 681, 789, 801, 693) with `use_bias_correction_kl=True` (line 972, new
  /// since f2cd577): once a KL loss is set (TRL's `beta`, `kl_loss="BETA:k3:none"`) each token's k3 is multiplied by
  /// the importance ratio `coef_1` (`grpo_trainer.py` lines 3100–3105), ``CTRLOptions/klLossRatioWeighted``. TRL's
  /// vLLM importance-sampling correction (on by default with vLLM) needs the rollout log-probs: set
  /// ``CTRLOptions/rolloutCorrection`` for it.
  case trl116GRPO = "trl-1.16-grpo"
  /// openrlhf 0.11.2 `--actor.policy_loss_type gspo` with `group_norm` (``openRLHFGroupNorm`` otherwise): the
  /// sequence ratio `exp(mean log π − log π_old)`, not clamped (`loss.py` lines 189–196), and the per-sample mean
  /// of `aggregate_loss` (line 35, `(token_counts + 1e-8)` on integer counts, evaluated in float32 where the 1e-8
  /// vanishes: length epsilon 0), which GSPO forces (`token_level_loss = False`, line 152).
  case openRLHF011GSPO = "openrlhf-0.11-gspo"

  /// Which calibration a preset uses.
  public enum Calibration: String, Sendable, CaseIterable {
    /// Raw rewards.
    case none
    /// Each sample against the others of its group (leave-one-out).
    case group
    /// Against reference rewards supplied per group.
    case reference
  }

  public var description: String { rawValue }

  /// The calibration of the preset: `.group` for ``infalign``, `.none` for the peers.
  public var calibration: Calibration { self == .infalign ? .group : .none }

  /// The options of the preset.
  public var options: CTRLOptions {
    switch self {
    case .infalign:
      return CTRLOptions()
    case .verl09GRPO:
      var o = CTRLPreset.verlGRPO.options
      o.k3ReportClamp = 10
      return o
    case .verl09DrGRPO:
      var o = CTRLPreset.verlDrGRPO.options
      o.aggregation = .sequenceMeanTokenSumNormalized
      o.k3ReportClamp = 10
      return o
    case .trl116GRPO:
      var o = CTRLPreset.trlGRPO.options
      o.klLossRatioWeighted = true
      return o
    case .openRLHF011GSPO:
      var o = CTRLPreset.openRLHFGroupNorm.options
      o.ratioLevel = .sequenceMean
      o.logRatioClamp = nil
      o.aggregation = .sequenceMeanTokenMean(lengthEpsilon: 0, lengthFloorOne: false)
      return o
    case .verlGRPO, .verlGRPOPassK:
      return CTRLOptions(
        estimator: self == .verlGRPO ? .standard : .maxMinusSecond, baseline: .groupMean, scale: .group,
        besselStd: true, stdEpsilon: 1e-6, stdFloor: 0, singleSample: .meanZeroStdOne,
        klLoss: .init(coefficient: 0.001, estimator: .k3, clamp: 10), dualClip: 3, logRatioClamp: 20,
        aggregation: .tokenMean)
    case .verlRLOO:
      return CTRLOptions(
        baseline: .leaveOneOut, scale: .none, singleSample: .raw, klReward: .init(coefficient: 0.001, estimator: .k1),
        klRewardSource: .oldPolicy, klRewardPlacement: .beforeBaseline, dualClip: 3, logRatioClamp: 20,
        aggregation: .tokenMean)
    case .verlDrGRPO:
      return CTRLOptions(
        baseline: .groupMean, scale: .none, singleSample: .meanZeroStdOne, dualClip: 3, logRatioClamp: 20,
        aggregation: .tokenSumNormalized(perSequence: false))
    case .trlGRPO:
      return CTRLOptions(
        baseline: .groupMean, scale: .group, besselStd: true, stdEpsilon: 1e-4, stdFloor: 0, singleSample: .zero,
        logRatioClamp: nil, aggregation: .tokenMean)
    case .trlRLOO:
      return CTRLOptions(
        baseline: .leaveOneOut, scale: .none, besselStd: true, stdEpsilon: 1e-4, stdFloor: 0, singleSample: .zero,
        klReward: .init(coefficient: 0.05, estimator: .k1), klRewardSource: .oldPolicy,
        klRewardPlacement: .beforeBaseline, logRatioClamp: nil, ratioLevel: .sequenceSum,
        aggregation: .sequenceMeanTokenMean(lengthEpsilon: 0, lengthFloorOne: true))
    case .openRLHFGroupNorm, .openRLHFRLOO:
      return CTRLOptions(
        baseline: self == .openRLHFRLOO ? .leaveOneOut : .groupMean,
        scale: self == .openRLHFRLOO ? .none : .group, besselStd: true, stdEpsilon: 1e-9, stdFloor: 0,
        singleSample: .zero, klReward: .init(coefficient: 0.01, estimator: .k1, clamp: 10),
        klRewardSource: .oldPolicy, klRewardPlacement: .afterBaseline, logRatioClamp: 20, aggregation: .tokenMean)
    }
  }

  /// The preset named `name` (its raw value, e.g. `verl-grpo`).
  /// - Throws: ``InfAlignError/parse(kind:text:reason:)`` listing the presets.
  public static func named(_ name: String) throws(InfAlignError) -> CTRLPreset {
    try CTRLPreset(word: name, option: "preset")
  }
}
