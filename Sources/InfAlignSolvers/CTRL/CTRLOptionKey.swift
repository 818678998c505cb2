/// The CTRL options by name: the one registry of the keys that `infalign_ctrl_options_set(key, value)` takes (and
/// so Python's `CTRLOptions(**keywords)`), what each sets, and the `infalign ctrl` flags that set the same option.
///
/// Adding an option is a compiler-guided edit: a new case here fails to compile until ``apply(_:to:calibration:)``
/// and ``commandLineFlags`` handle it; tests then check the header's table (`include/infalign.h`), the command
/// line's help and Python's `OPTION_NAMES` against `allCases` (docs/EXTENDING.md).
public enum CTRLOptionKey: String, CaseIterable, Sendable {
  case preset, calibration, transform, smoothing, estimator, baseline, advantage, scale
  case normalizeByStd = "normalize_by_std", besselStd = "bessel_std", stdEpsilon = "std_epsilon"
  case stdFloor = "std_floor", singleSample = "single_sample", distillationEpsilon = "distillation_epsilon"
  case klReward = "kl_reward", klCoefficient = "kl_coefficient", klRewardSource = "kl_reward_source"
  case klRewardPlacement = "kl_reward_placement", klLoss = "kl_loss", klLossRatioWeight = "kl_loss_ratio_weight"
  case clipEpsilon = "clip_epsilon"
  case clipLow = "clip_low", clipHigh = "clip_high", dualClip = "dual_clip", ratioCap = "ratio_cap"
  case logRatioClamp = "log_ratio_clamp", ratioLevel = "ratio_level", policyLoss = "policy_loss", aggregation
  case rolloutCorrection = "rollout_correction", k3ReportClamp = "k3_report_clamp"
  case nonFinite = "non_finite"

  /// The key named `name`.
  /// - Throws: ``InfAlignError/parse(kind:text:reason:)`` naming the unknown key and listing the keys.
  public init(named name: String) throws(InfAlignError) {
    guard let key = Self(rawValue: name) else {
      throw .parse(
        kind: "ctrl option", text: name,
        reason: "unknown option; expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    self = key
  }

  /// The `infalign ctrl` flags that set this option (several for the compound forms, whose parts are flags of
  /// their own on the command line).
  public var commandLineFlags: [String] {
    switch self {
    case .preset: ["--preset"]
    case .calibration: ["--calibration"]
    case .transform: ["--transform"]
    case .smoothing: ["--smooth"]
    case .estimator: ["--estimator", "--k", "--k-baseline", "--n"]
    case .baseline, .advantage: ["--baseline"]
    case .scale, .normalizeByStd: ["--scale"]
    case .besselStd: ["--bessel-std"]
    case .stdEpsilon: ["--std-epsilon"]
    case .stdFloor: ["--std-floor"]
    case .singleSample: ["--single-sample"]
    case .distillationEpsilon: ["--distillation-epsilon"]
    case .klReward: ["--kl-reward-coefficient", "--kl-reward-estimator", "--kl-reward-clamp"]
    case .klCoefficient: ["--kl-reward-coefficient"]
    case .klRewardSource: ["--kl-reward-source"]
    case .klRewardPlacement: ["--kl-reward-placement"]
    case .klLoss: ["--kl-loss-coefficient", "--kl-loss-estimator", "--kl-loss-clamp", "--kl-loss-straight-through"]
    case .klLossRatioWeight: ["--kl-loss-ratio-weight", "--no-kl-loss-ratio-weight"]
    case .clipEpsilon: ["--clip-epsilon"]
    case .clipLow: ["--clip-low"]
    case .clipHigh: ["--clip-high"]
    case .dualClip: ["--dual-clip"]
    case .ratioCap: ["--ratio-cap"]
    case .logRatioClamp: ["--log-ratio-clamp"]
    case .ratioLevel: ["--ratio-level"]
    case .policyLoss: ["--policy-loss"]
    // Not on the command line: `infalign ctrl`'s reader has no rollout log-probs field.
    case .rolloutCorrection: []
    // Not on the command line yet: set it through the C ABI or Python.
    case .k3ReportClamp: []
    case .aggregation: ["--aggregation"]
    case .nonFinite: ["--non-finite"]
    }
  }

  /// Sets this option of `options` (and `calibration`, the mode used without a table) from its text `value`
  /// (forms in `include/infalign.h`). A preset replaces every option (keeping the transform for calibrated
  /// presets); set other options after it.
  /// - Throws: ``InfAlignError/parse(kind:text:reason:)`` naming `ctrl option KEY` for a value that does not
  ///   parse; ``InfAlignError/invalidParameter(name:value:reason:)`` for a negative or non-finite number (the
  ///   whole set's domains are checked by ``CTRLOptions/validate()`` and when a step's batch is built).
  public func apply(_ value: String, to options: inout CTRLOptions, calibration: inout CTRLPreset.Calibration)
    throws(InfAlignError)
  {
    let text = CTRLOptionText(key: rawValue, value: value)
    switch self {
    case .preset:
      let preset = try CTRLPreset.named(value)
      let transform = options.transform
      options = preset.options
      calibration = preset.calibration
      if preset.calibration != .none { options.transform = transform }
    case .calibration:
      if value == "reference" { throw text.fail("pass a table to the step for reference calibration") }
      calibration = try text.word(among: [.group, .none])
    case .transform: options.transform = try Transform(parsing: value)
    case .smoothing: options.smoothing = try text.flag()
    case .estimator: options.estimator = try text.estimator()
    case .baseline, .advantage: options.baseline = try text.word()
    case .scale: options.scale = try text.word()
    case .normalizeByStd: options.scale = try text.flag() ? .group : .none
    case .besselStd: options.besselStd = try text.flag()
    case .stdEpsilon: options.stdEpsilon = try text.number()
    case .stdFloor: options.stdFloor = try text.number()
    case .singleSample: options.singleSample = try text.word()
    case .distillationEpsilon: options.distillationEpsilon = try text.number()
    case .klReward: options.klReward = try text.klTerm()
    case .klCoefficient:  // k1 of log π − log π_ref folded into the reward before baselining
      let beta = try text.number()
      options.klReward = beta == 0 ? nil : .init(coefficient: beta, estimator: .k1)
    case .klRewardSource: options.klRewardSource = try text.word()
    case .klRewardPlacement: options.klRewardPlacement = try text.word()
    case .klLoss: options.klLoss = try text.klTerm()
    case .klLossRatioWeight: options.klLossRatioWeighted = try text.flag()
    case .clipEpsilon:
      options.clipLow = try text.number()
      options.clipHigh = options.clipLow
    case .clipLow: options.clipLow = try text.number()
    case .clipHigh: options.clipHigh = try text.number()
    case .dualClip: options.dualClip = try text.optionalNumber()
    case .ratioCap: options.ratioCap = try text.optionalNumber()
    case .logRatioClamp: options.logRatioClamp = try text.optionalNumber()
    case .ratioLevel: options.ratioLevel = try text.word()
    case .policyLoss: options.policyLoss = try text.word()
    case .rolloutCorrection: options.rolloutCorrection = try CTRLRolloutCorrection.parse(value, option: text.option)
    case .aggregation: options.aggregation = try text.aggregation()
    case .k3ReportClamp: options.k3ReportClamp = try text.optionalNumber()
    case .nonFinite: options.nonFinite = try text.word()
    }
  }
}
