import InfAlignSolvers

// CTRL step options (`infalign_ctrl_options`), set by name so that options added later need no new symbols.

/// `infalign_ctrl_options`: ``CTRLOptions`` built by ``infalign_ctrl_options_set(_:_:_:)``. Mutable: set options
/// before sharing it between threads, then only read it.
final class CTRLOptionsHandle: Handle {
  override class var kind: String { "ctrl options" }
  var options = CTRLOptions()

  /// The option names and their values' forms, for messages and the header.
  static let names = [
    "preset", "transform", "smoothing", "advantage", "normalize_by_std", "std_floor", "kl_coefficient",
    "clip_epsilon", "log_ratio_clamp", "non_finite",
  ]

  /// Sets option `key` from its text `value`.
  /// - Throws: ``InfAlignError/parse(kind:text:reason:)`` for an unknown key or a value that does not parse;
  ///   ``InfAlignError/invalidParameter(name:value:reason:)`` for a number outside the option's domain.
  func set(_ key: String, _ value: String) throws(InfAlignError) {
    func fail(_ reason: String) -> InfAlignError { .parse(kind: "ctrl option \(key)", text: value, reason: reason) }
    func flag() throws(InfAlignError) -> Bool {
      switch value {
      case "true", "1", "yes": return true
      case "false", "0", "no": return false
      default: throw fail("expected true or false")
      }
    }
    func number() throws(InfAlignError) -> Double {
      guard let x = Double(value) else { throw fail("not a number") }
      guard x.isFinite, x >= 0 else { throw .invalidParameter(name: key, value: x, reason: "must be finite and >= 0") }
      return x
    }
    switch key {
    case "preset":
      let transform = options.transform
      options = try CTRLPreset.named(value).options
      options.transform = transform
    case "transform": options.transform = try Transform(parsing: value)
    case "smoothing": options.smoothing = try flag()
    case "advantage":
      switch value {
      case "rloo", "leave-one-out": options.baseline = .leaveOneOut
      case "group-mean", "mean": options.baseline = .groupMean
      default: throw fail("expected rloo (leave-one-out) or group-mean")
      }
    case "normalize_by_std": options.scale = try flag() ? .group : .none
    case "std_floor": options.stdFloor = try number()
    case "kl_coefficient":  // k1 of log π − log π_ref folded into the reward before baselining
      let beta = try number()
      options.klReward = beta == 0 ? nil : .init(coefficient: beta, estimator: .k1)
    case "clip_epsilon":
      options.clipLow = try number()
      options.clipHigh = options.clipLow
    case "log_ratio_clamp": options.logRatioClamp = try number()
    case "non_finite":
      switch value {
      case "throw", "error": options.nonFinite = .throwError
      case "mask": options.nonFinite = .mask
      default: throw fail("expected throw or mask")
      }
    default:
      throw .parse(
        kind: "ctrl option", text: key, reason: "unknown option; expected one of \(Self.names.joined(separator: ", "))")
    }
  }
}

/// `int32_t infalign_ctrl_options_create(infalign_ctrl_options **out)`: the defaults (identity transform, RLOO
/// advantages, clip 0.2, log-ratio clamp 20, throw on non-finite inputs).
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
    try h.set(try Buffers.text(key, "key"), try Buffers.text(value, "value"))
  }
}

/// `int32_t infalign_ctrl_options_set_transform(infalign_ctrl_options *, const infalign_transform *)`: a transform
/// handle (e.g. an optimal transform's table) in place of a text form.
@_cdecl("infalign_ctrl_options_set_transform")
public func infalign_ctrl_options_set_transform(_ options: OpaquePointer?, _ transform: OpaquePointer?) -> Int32 {
  abiCall("infalign_ctrl_options_set_transform") {
    let h = try Handle.resolve(options, as: CTRLOptionsHandle.self, "options")
    h.options.transform = try Handle.resolve(transform, as: TransformHandle.self, "transform").transform
  }
}

/// `int32_t infalign_ctrl_options_free(infalign_ctrl_options *)`; NULL is a no-op.
@_cdecl("infalign_ctrl_options_free")
public func infalign_ctrl_options_free(_ options: OpaquePointer?) -> Int32 {
  abiCall("infalign_ctrl_options_free") { try Handle.free(options, as: CTRLOptionsHandle.self) }
}
