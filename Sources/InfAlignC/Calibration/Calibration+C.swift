import InfAlignSolvers

// One-shot calibration (references used once), dense and ragged, `float` and `double`.

/// Dense: `prompts` rows of `referenceColumns` references and `rewardColumns` rewards, row-major.
func calibrateDense<T: BLASScalar>(
  _ function: StaticString, _ references: UnsafePointer<T>?, _ referenceColumns: Int64, _ rewards: UnsafePointer<T>?,
  _ rewardColumns: Int64, _ prompts: Int64, _ flags: Int32, _ out: UnsafeMutablePointer<T>?
) -> Int32 {
  abiCall(function) {
    let b = try Buffers.count(prompts, "prompts")
    let m = try Buffers.count(referenceColumns, "reference_columns"), k = try Buffers.count(rewardColumns, "reward_columns")
    let options = try Buffers.calibrationOptions(flags)
    let refs = try Buffers.input(references, try Buffers.product(b, m, "references"), "references")
    let n = try Buffers.product(b, k, "rewards")
    let queries = try Buffers.input(rewards, n, "rewards"), output = try Buffers.output(out, n, "out")
    try OneShotCalibration.calibrate(
      references: refs, referenceColumns: m, queries: queries, queryColumns: k, rows: b, into: output, options: options)
  }
}

/// Ragged: prompt `b`'s references are `references[reference_offsets[b] ..< reference_offsets[b+1]]`, its rewards
/// likewise with `reward_offsets`.
func calibrateRagged<T: BLASScalar>(
  _ function: StaticString, _ references: UnsafePointer<T>?, _ referenceOffsets: UnsafePointer<Int64>?,
  _ rewards: UnsafePointer<T>?, _ rewardOffsets: UnsafePointer<Int64>?, _ prompts: Int64, _ flags: Int32,
  _ out: UnsafeMutablePointer<T>?
) -> Int32 {
  abiCall(function) {
    let b = try Buffers.count(prompts, "prompts")
    let options = try Buffers.calibrationOptions(flags)
    let ro = try Buffers.offsets(referenceOffsets, b, "reference_offsets")
    let qo = try Buffers.offsets(rewardOffsets, b, "reward_offsets")
    let refs = try Buffers.input(references, ro[b], "references")
    let queries = try Buffers.input(rewards, qo[b], "rewards"), output = try Buffers.output(out, qo[b], "out")
    try OneShotCalibration.calibrate(
      references: refs, referenceOffsets: ro, queries: queries, queryOffsets: qo, into: output, options: options)
  }
}

// The `_f64`/`_f32` entry points below differ only in element type: `@_cdecl` needs each C signature spelled out,
// so each is a one-line call into the one generic implementation above.
/// `int32_t infalign_calibrate_f64(const double *references, int64_t reference_columns, const double *rewards,
/// int64_t reward_columns, int64_t prompts, int32_t flags, double *out)`.
@_cdecl("infalign_calibrate_f64")
public func infalign_calibrate_f64(
  _ references: UnsafePointer<Double>?, _ referenceColumns: Int64, _ rewards: UnsafePointer<Double>?,
  _ rewardColumns: Int64, _ prompts: Int64, _ flags: Int32, _ out: UnsafeMutablePointer<Double>?
) -> Int32 {
  calibrateDense("infalign_calibrate_f64", references, referenceColumns, rewards, rewardColumns, prompts, flags, out)
}

/// `int32_t infalign_calibrate_f32(...)`: as `infalign_calibrate_f64` for `float`.
@_cdecl("infalign_calibrate_f32")
public func infalign_calibrate_f32(
  _ references: UnsafePointer<Float>?, _ referenceColumns: Int64, _ rewards: UnsafePointer<Float>?,
  _ rewardColumns: Int64, _ prompts: Int64, _ flags: Int32, _ out: UnsafeMutablePointer<Float>?
) -> Int32 {
  calibrateDense("infalign_calibrate_f32", references, referenceColumns, rewards, rewardColumns, prompts, flags, out)
}

/// `int32_t infalign_calibrate_ragged_f64(const double *references, const int64_t *reference_offsets,
/// const double *rewards, const int64_t *reward_offsets, int64_t prompts, int32_t flags, double *out)`.
@_cdecl("infalign_calibrate_ragged_f64")
public func infalign_calibrate_ragged_f64(
  _ references: UnsafePointer<Double>?, _ referenceOffsets: UnsafePointer<Int64>?, _ rewards: UnsafePointer<Double>?,
  _ rewardOffsets: UnsafePointer<Int64>?, _ prompts: Int64, _ flags: Int32, _ out: UnsafeMutablePointer<Double>?
) -> Int32 {
  calibrateRagged("infalign_calibrate_ragged_f64", references, referenceOffsets, rewards, rewardOffsets, prompts, flags,
                  out)
}

/// `int32_t infalign_calibrate_ragged_f32(...)`: as `infalign_calibrate_ragged_f64` for `float`.
@_cdecl("infalign_calibrate_ragged_f32")
public func infalign_calibrate_ragged_f32(
  _ references: UnsafePointer<Float>?, _ referenceOffsets: UnsafePointer<Int64>?, _ rewards: UnsafePointer<Float>?,
  _ rewardOffsets: UnsafePointer<Int64>?, _ prompts: Int64, _ flags: Int32, _ out: UnsafeMutablePointer<Float>?
) -> Int32 {
  calibrateRagged("infalign_calibrate_ragged_f32", references, referenceOffsets, rewards, rewardOffsets, prompts, flags,
                  out)
}
