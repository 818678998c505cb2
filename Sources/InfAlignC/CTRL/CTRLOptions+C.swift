import InfAlignSolvers

// CTRL step options (`infalign_ctrl_options`), set by name so that options added later need no new symbols.

/// `infalign_ctrl_options`: ``CTRLOptions`` plus the calibration mode, built by `infalign_ctrl_options_set`.
/// Mutable: set options before sharing it between threads, then only read it.
final class CTRLOptionsHandle: Handle {
  override class var kind: String { "ctrl options" }
  var options = CTRLOptions()
  /// Without a table: `.group` (each sample against the rest of its group) or `.none` (raw rewards). A table
  /// passed to the step means reference calibration whatever this says.
  var calibration = CTRLPreset.Calibration.group

  /// The option names, for messages and the header.
  static let names = [
    "preset", "calibration", "transform", "smoothing", "estimator", "baseline", "advantage", "scale",
    "normalize_by_std", "bessel_std", "std_epsilon", "std_floor", "single_sample", "distillation_epsilon",
    "kl_reward", "kl_coefficient", "kl_reward_source", "kl_reward_placement", "kl_loss", "clip_epsilon", "clip_low",
    "clip_high", "dual_clip", "ratio_cap", "log_ratio_clamp", "ratio_level", "aggregation", "non_finite",
  ]

  /// Sets option `key` from its text `value` (forms in `include/infalign.h`).
  /// - Throws: ``InfAlignError/parse(kind:text:reason:)`` for an unknown key or a value that does not parse;
  ///   ``InfAlignError/invalidParameter(name:value:reason:)`` for a number outside the option's domain (the step
  ///   validates the combination with ``CTRLOptions/validate()`` before reading data).
  func set(_ key: String, _ value: String) throws(InfAlignError) {
    let text = CTRLOptionText(key: key, value: value)
    switch key {
    case "preset":
      let preset = try CTRLPreset.named(value)
      let transform = options.transform
      options = preset.options
      calibration = preset.calibration
      if preset.calibration != .none { options.transform = transform }
    case "calibration":
      if value == "reference" { throw text.fail("pass a table to the step for reference calibration") }
      calibration = try text.word(among: [.group, .none])
    case "transform": options.transform = try Transform(parsing: value)
    case "smoothing": options.smoothing = try text.flag()
    case "estimator": options.estimator = try text.estimator()
    case "baseline", "advantage": options.baseline = try text.word()
    case "scale": options.scale = try text.word()
    case "normalize_by_std": options.scale = try text.flag() ? .group : .none
    case "bessel_std": options.besselStd = try text.flag()
    case "std_epsilon": options.stdEpsilon = try text.number()
    case "std_floor": options.stdFloor = try text.number()
    case "single_sample": options.singleSample = try text.word()
    case "distillation_epsilon": options.distillationEpsilon = try text.number()
    case "kl_reward": options.klReward = try text.klTerm()
    case "kl_coefficient":  // k1 of log π − log π_ref folded into the reward before baselining
      let beta = try text.number()
      options.klReward = beta == 0 ? nil : .init(coefficient: beta, estimator: .k1)
    case "kl_reward_source": options.klRewardSource = try text.word()
    case "kl_reward_placement": options.klRewardPlacement = try text.word()
    case "kl_loss": options.klLoss = try text.klTerm()
    case "clip_epsilon":
      options.clipLow = try text.number()
      options.clipHigh = options.clipLow
    case "clip_low": options.clipLow = try text.number()
    case "clip_high": options.clipHigh = try text.number()
    case "dual_clip": options.dualClip = try text.optionalNumber()
    case "ratio_cap": options.ratioCap = try text.optionalNumber()
    case "log_ratio_clamp": options.logRatioClamp = try text.optionalNumber()
    case "ratio_level": options.ratioLevel = try text.word()
    case "aggregation": options.aggregation = try text.aggregation()
    case "non_finite": options.nonFinite = try text.word()
    default:
      throw .parse(
        kind: "ctrl option", text: key, reason: "unknown option; expected one of \(Self.names.joined(separator: ", "))")
    }
  }
}

/// `int32_t infalign_ctrl_options_create(infalign_ctrl_options **out)`: InfAlign's defaults (group calibration,
/// identity transform, RLOO baseline, PPO clip 0.2, log-ratio clamp 20, throw on non-finite inputs).
@_cdecl("infalign_ctrl_options_create")
public func infalign_ctrl_options_create(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
  abiCall("infalign_ctrl_options_create") { Handle.hand(CTRLOptionsHandle(), to: try Buffers.required(out, "out")) }
}

/// `int32_t infalign_ctrl_options_set(infalign_ctrl_options *, const char *key, const char *value)`.
@_cdecl("infalign_ctrl_options_set")
public func infalign_ctrl_options_set(
  _ options: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ value: UnsafePointer<CChar>?
) -> Int32 {
  abiCall("infalign_ctrl_options_set") {
    let h = try Handle.resolve(options, as: CTRLOptionsHandle.self, "options")
    let name = try Buffers.text(key, "key")
    try h.set(name, try Buffers.text(value, "value of \(name)"))
  }
}

/// `int32_t infalign_ctrl_options_set_transform(infalign_ctrl_options *, const infalign_transform *)`: a transform
/// handle (e.g. an optimal transform's table) in place of a text form.
@_cdecl("infalign_ctrl_options_set_transform")
public func infalign_ctrl_options_set_transform(_ options: OpaquePointer?, _ transform: OpaquePointer?) -> Int32 {
  abiCall("infalign_ctrl_options_set_transform") {
    let h = try Handle.resolve(options, as: CTRLOptionsHandle.self, "options")
    h.options.transform = try TransformHandle.transform(transform)
  }
}

/// `int32_t infalign_ctrl_options_validate(const infalign_ctrl_options *)`: the library's check of the whole
/// option set (what a step does first), naming the first option out of its domain.
@_cdecl("infalign_ctrl_options_validate")
public func infalign_ctrl_options_validate(_ options: OpaquePointer?) -> Int32 {
  abiCall("infalign_ctrl_options_validate") {
    try Handle.resolve(options, as: CTRLOptionsHandle.self, "options").options.validate()
  }
}

/// `int32_t infalign_ctrl_options_free(infalign_ctrl_options *)`; NULL is a no-op.
@_cdecl("infalign_ctrl_options_free")
public func infalign_ctrl_options_free(_ options: OpaquePointer?) -> Int32 {
  abiCall("infalign_ctrl_options_free") { try Handle.free(options, as: CTRLOptionsHandle.self) }
}
