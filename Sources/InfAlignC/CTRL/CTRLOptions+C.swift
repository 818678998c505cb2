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

  /// Sets option `key` from its text `value` (the registry ``CTRLOptionKey``; forms in `include/infalign.h`).
  /// - Throws: as ``CTRLOptionKey/init(named:)`` and ``CTRLOptionKey/apply(_:to:calibration:)``.
  func set(_ key: String, _ value: String) throws(InfAlignError) {
    try CTRLOptionKey(named: key).apply(value, to: &options, calibration: &calibration)
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
