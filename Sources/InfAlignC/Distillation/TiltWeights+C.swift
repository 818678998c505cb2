import InfAlignSolvers

// Tilt weights toward the exact calibrated-space KL-RL optimum, `float` and `double`.

/// The strengths of `infalign_tilt_weights_*` (`INFALIGN_TILT_BETA` = 0, `INFALIGN_TILT_SCALED_BETA` = 1,
/// `INFALIGN_TILT_KL` = 2).
func tiltStrength(_ kind: Int32, _ value: Double) throws(BoundaryError) -> TiltStrength {
  switch kind {
  case 0: return .beta(value)
  case 1: return .scaledBeta(value)
  case 2: return .kl(value)
  default:
    throw BoundaryError("strength = \(kind) is not INFALIGN_TILT_BETA (0), INFALIGN_TILT_SCALED_BETA (1) or INFALIGN_TILT_KL (2)")
  }
}

/// The one implementation of `infalign_tilt_weights_f64/_f32`: ragged rewards against ragged references (or, with
/// `references` NULL and `INFALIGN_LEAVE_ONE_OUT`, each reward against the rest of its group); every output may be
/// NULL when not wanted.
func tiltWeights<T: BLASScalar>(
  _ function: StaticString, _ rewards: UnsafePointer<T>?, _ rewardOffsets: UnsafePointer<Int64>?,
  _ references: UnsafePointer<T>?, _ referenceOffsets: UnsafePointer<Int64>?, _ prompts: Int64, _ flags: Int32,
  _ transform: OpaquePointer?, _ strength: Int32, _ value: Double, _ procedures: UnsafePointer<OpaquePointer?>?,
  _ procedureCount: Int64, _ threads: Int64, _ calibrated: UnsafeMutablePointer<T>?,
  _ transformed: UnsafeMutablePointer<T>?, _ weights: UnsafeMutablePointer<T>?, _ logZ: UnsafeMutablePointer<Double>?,
  _ ess: UnsafeMutablePointer<Double>?, _ kl: UnsafeMutablePointer<Double>?, _ winRates: UnsafeMutablePointer<Double>?,
  _ summary: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall(function) {
    let b = try Buffers.count(prompts, "prompts")
    let calibration = try Buffers.calibrationOptions(flags)
    let phi = try TransformHandle.transform(transform)
    let n = try Buffers.count(procedureCount, "procedure_count")
    let handles = try Buffers.input(procedures, n, "procedures")
    var list: [Procedure] = []
    for i in 0..<n { list.append(try ProcedureHandle.procedure(handles[i], "procedures[\(i)]")) }
    let threadCount = try Buffers.count(threads, "threads")
    let options = TiltOptions(
      transform: phi, strength: try tiltStrength(strength, value), calibration: calibration, procedures: list,
      threads: threadCount == 0 ? nil : threadCount)
    let qo = try Buffers.offsets(rewardOffsets, b, "reward_offsets")
    let queries = try Buffers.input(rewards, qo[b], "rewards")
    let result: TiltedSample<T>
    if references == nil && referenceOffsets == nil {
      guard calibration.leaveOneOut else {
        throw BoundaryError("references is NULL without INFALIGN_LEAVE_ONE_OUT (NULL means each group is its own reference)")
      }
      result = try TiltWeights.compute(
        rewards: queries, rewardOffsets: qo, references: nil, referenceOffsets: nil, options: options)
    } else {
      let ro = try Buffers.offsets(referenceOffsets, b, "reference_offsets")
      let refs = try Buffers.input(references, ro[b], "references")
      result = try TiltWeights.compute(
        rewards: queries, rewardOffsets: qo, references: refs, referenceOffsets: ro, options: options)
    }
    let total = qo[b]
    for (values, out) in [(result.calibrated, calibrated), (result.transformed, transformed), (result.weights, weights)] {
      if let out { out.update(from: values, count: total) }
    }
    for (values, out) in [(result.logZ, logZ), (result.effectiveSampleSize, ess), (result.kl, kl)] {
      if let out { out.update(from: values, count: b) }
    }
    if let winRates { winRates.update(from: result.predictions.map(\.winRate), count: n) }
    if let summary {
      Buffers.store(
        [result.beta, result.logBeta, result.scaledBeta, result.exact.logZ, result.exact.kl,
         result.exact.standardWinRate], into: summary)
    }
  }
}

/// `int32_t infalign_tilt_weights_f64(const double *rewards, const int64_t *reward_offsets, const double *references,
/// const int64_t *reference_offsets, int64_t prompts, int32_t flags, const infalign_transform *transform,
/// int32_t strength, double value, const infalign_procedure *const *procedures, int64_t procedure_count,
/// int64_t threads, double *calibrated, double *transformed, double *weights, double *log_z, double *ess,
/// double *kl, double *win_rates, infalign_tilt_summary *summary)`.
@_cdecl("infalign_tilt_weights_f64")
public func infalign_tilt_weights_f64(
  _ rewards: UnsafePointer<Double>?, _ rewardOffsets: UnsafePointer<Int64>?, _ references: UnsafePointer<Double>?,
  _ referenceOffsets: UnsafePointer<Int64>?, _ prompts: Int64, _ flags: Int32, _ transform: OpaquePointer?,
  _ strength: Int32, _ value: Double, _ procedures: UnsafePointer<OpaquePointer?>?, _ procedureCount: Int64,
  _ threads: Int64, _ calibrated: UnsafeMutablePointer<Double>?, _ transformed: UnsafeMutablePointer<Double>?,
  _ weights: UnsafeMutablePointer<Double>?, _ logZ: UnsafeMutablePointer<Double>?, _ ess: UnsafeMutablePointer<Double>?,
  _ kl: UnsafeMutablePointer<Double>?, _ winRates: UnsafeMutablePointer<Double>?, _ summary: UnsafeMutableRawPointer?
) -> Int32 {
  tiltWeights("infalign_tilt_weights_f64", rewards, rewardOffsets, references, referenceOffsets, prompts, flags,
              transform, strength, value, procedures, procedureCount, threads, calibrated, transformed, weights, logZ,
              ess, kl, winRates, summary)
}

/// `int32_t infalign_tilt_weights_f32(...)`: as `infalign_tilt_weights_f64` with `float` rewards, references and
/// per-sample outputs (the per-prompt outputs stay `double`).
@_cdecl("infalign_tilt_weights_f32")
public func infalign_tilt_weights_f32(
  _ rewards: UnsafePointer<Float>?, _ rewardOffsets: UnsafePointer<Int64>?, _ references: UnsafePointer<Float>?,
  _ referenceOffsets: UnsafePointer<Int64>?, _ prompts: Int64, _ flags: Int32, _ transform: OpaquePointer?,
  _ strength: Int32, _ value: Double, _ procedures: UnsafePointer<OpaquePointer?>?, _ procedureCount: Int64,
  _ threads: Int64, _ calibrated: UnsafeMutablePointer<Float>?, _ transformed: UnsafeMutablePointer<Float>?,
  _ weights: UnsafeMutablePointer<Float>?, _ logZ: UnsafeMutablePointer<Double>?, _ ess: UnsafeMutablePointer<Double>?,
  _ kl: UnsafeMutablePointer<Double>?, _ winRates: UnsafeMutablePointer<Double>?, _ summary: UnsafeMutableRawPointer?
) -> Int32 {
  tiltWeights("infalign_tilt_weights_f32", rewards, rewardOffsets, references, referenceOffsets, prompts, flags,
              transform, strength, value, procedures, procedureCount, threads, calibrated, transformed, weights, logZ,
              ess, kl, winRates, summary)
}
