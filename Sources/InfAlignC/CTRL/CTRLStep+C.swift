import InfAlignSolvers

// One CTRL step on caller-owned buffers: sequence level (`groups × group_size`) and token level (log-probs, mask
// and per-token outputs `groups × group_size × max_tokens`).

/// `infalign_ctrl_summary { double loss, mean_k1, mean_k2, mean_k3, clipped_fraction; int64_t masked_count;
/// double policy_loss, kl_loss; }` (every field 8 bytes; the last two were appended, so older callers that stop at
/// masked_count read the same offsets).
func store(_ s: CTRLSummary, into raw: UnsafeMutableRawPointer) {
  for (i, v) in [s.loss, s.meanK1, s.meanK2, s.meanK3, s.clippedFraction].enumerated() {
    raw.storeBytes(of: v, toByteOffset: 8 * i, as: Double.self)
  }
  raw.storeBytes(of: Int64(s.maskedCount), toByteOffset: 40, as: Int64.self)
  raw.storeBytes(of: s.policyLoss, toByteOffset: 48, as: Double.self)
  raw.storeBytes(of: s.klLoss, toByteOffset: 56, as: Double.self)
}

/// Bool views of caller bytes, which must each be 0 or 1 (any other byte is not a Swift `Bool`).
func boolInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int, _ name: String) throws(BoundaryError)
  -> UnsafeBufferPointer<Bool>?
{
  guard let bytes else { return nil }
  for i in 0..<count where bytes[i] > 1 {
    throw BoundaryError("\(name)[\(i)] = \(bytes[i]): mask bytes must be 0 or 1")
  }
  return UnsafeBufferPointer(start: UnsafeRawPointer(bytes).assumingMemoryBound(to: Bool.self), count: count)
}

func boolOutput(_ bytes: UnsafeMutablePointer<UInt8>?, _ count: Int) -> UnsafeMutableBufferPointer<Bool>? {
  bytes.map { UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer($0).assumingMemoryBound(to: Bool.self), count: count) }
}

/// The step for `max_tokens` tokens per sample (1 and no mask: the sequence level).
func ctrlStep<T: CElement>(
  _ function: StaticString, _ options: OpaquePointer?, _ table: OpaquePointer?, _ groups: Int64, _ groupSize: Int64,
  _ maxTokens: Int64, _ rewards: UnsafePointer<T>?, _ policy: UnsafePointer<T>?, _ reference: UnsafePointer<T>?,
  _ old: UnsafePointer<T>?, _ rollout: UnsafePointer<T>?, _ mask: UnsafePointer<UInt8>?,
  _ advantages: UnsafeMutablePointer<T>?,
  _ lossGradient: UnsafeMutablePointer<T>?, _ calibrated: UnsafeMutablePointer<T>?,
  _ transformed: UnsafeMutablePointer<T>?, _ k1: UnsafeMutablePointer<T>?, _ k2: UnsafeMutablePointer<T>?,
  _ k3: UnsafeMutablePointer<T>?, _ valid: UnsafeMutablePointer<UInt8>?, _ summary: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall(function) {
    let handle = try Handle.resolve(options, as: CTRLOptionsHandle.self, "options")
    let calibration: CTRLCalibration<T>
    if let t = try Handle.resolveOptional(table, as: TableHandle.self, "table") {
      calibration = .table(try t.table(T.self))
    } else {
      calibration = handle.calibration == .none ? .none : .group
    }
    let b = try Buffers.count(groups, "groups"), g = try Buffers.count(groupSize, "group_size")
    let nt = try Buffers.count(maxTokens, "max_tokens")
    let n = try Buffers.product(b, g, "groups × group_size")
    let tokens = try Buffers.product(n, nt, "samples × max_tokens")
    let outputs = CTRLOutputs(
      advantages: try Buffers.output(advantages, n, "advantages"),
      lossGradient: try Buffers.output(lossGradient, tokens, "loss_gradient"),
      calibrated: Buffers.optionalOutput(calibrated, n), transformed: Buffers.optionalOutput(transformed, n),
      k1: Buffers.optionalOutput(k1, tokens), k2: Buffers.optionalOutput(k2, tokens),
      k3: Buffers.optionalOutput(k3, tokens), valid: boolOutput(valid, n))
    let inputs = CTRLTokens(
      maxTokens: nt, policyLogProbs: try Buffers.input(policy, tokens, "policy_logprobs"),
      referenceLogProbs: try Buffers.input(reference, tokens, "reference_logprobs"),
      oldPolicyLogProbs: old.map { UnsafeBufferPointer(start: $0, count: tokens) },
      mask: try boolInput(mask, tokens, "mask"),
      rolloutLogProbs: rollout.map { UnsafeBufferPointer(start: $0, count: tokens) })
    let s = try CTRLStep.run(
      groups: b, groupSize: g, rewards: try Buffers.input(rewards, n, "rewards"), tokens: inputs,
      calibration: calibration, options: handle.options, outputs: outputs)
    if let summary { store(s, into: summary) }
  }
}

// The `_f64`/`_f32` entry points below differ only in element type: `@_cdecl` needs each C signature spelled out,
// so each is a one-line call into the one generic implementation above.
/// `int32_t infalign_ctrl_step_f64(const infalign_ctrl_options *, const infalign_table *table, int64_t groups,
/// int64_t group_size, const double *rewards, const double *policy_logprobs, const double *reference_logprobs,
/// const double *old_policy_logprobs, double *advantages, double *loss_gradient, double *calibrated,
/// double *transformed, double *k1, double *k2, double *k3, uint8_t *valid, infalign_ctrl_summary *summary)`.
@_cdecl("infalign_ctrl_step_f64")
public func infalign_ctrl_step_f64(
  _ options: OpaquePointer?, _ table: OpaquePointer?, _ groups: Int64, _ groupSize: Int64,
  _ rewards: UnsafePointer<Double>?, _ policy: UnsafePointer<Double>?, _ reference: UnsafePointer<Double>?,
  _ old: UnsafePointer<Double>?, _ advantages: UnsafeMutablePointer<Double>?,
  _ lossGradient: UnsafeMutablePointer<Double>?, _ calibrated: UnsafeMutablePointer<Double>?,
  _ transformed: UnsafeMutablePointer<Double>?, _ k1: UnsafeMutablePointer<Double>?, _ k2: UnsafeMutablePointer<Double>?,
  _ k3: UnsafeMutablePointer<Double>?, _ valid: UnsafeMutablePointer<UInt8>?, _ summary: UnsafeMutableRawPointer?
) -> Int32 {
  ctrlStep("infalign_ctrl_step_f64", options, table, groups, groupSize, 1, rewards, policy, reference, old, nil, nil,
           advantages, lossGradient, calibrated, transformed, k1, k2, k3, valid, summary)
}

/// `int32_t infalign_ctrl_step_f32(...)`: as `infalign_ctrl_step_f64` with `float` buffers (the table must hold
/// `float` references).
@_cdecl("infalign_ctrl_step_f32")
public func infalign_ctrl_step_f32(
  _ options: OpaquePointer?, _ table: OpaquePointer?, _ groups: Int64, _ groupSize: Int64,
  _ rewards: UnsafePointer<Float>?, _ policy: UnsafePointer<Float>?, _ reference: UnsafePointer<Float>?,
  _ old: UnsafePointer<Float>?, _ advantages: UnsafeMutablePointer<Float>?,
  _ lossGradient: UnsafeMutablePointer<Float>?, _ calibrated: UnsafeMutablePointer<Float>?,
  _ transformed: UnsafeMutablePointer<Float>?, _ k1: UnsafeMutablePointer<Float>?, _ k2: UnsafeMutablePointer<Float>?,
  _ k3: UnsafeMutablePointer<Float>?, _ valid: UnsafeMutablePointer<UInt8>?, _ summary: UnsafeMutableRawPointer?
) -> Int32 {
  ctrlStep("infalign_ctrl_step_f32", options, table, groups, groupSize, 1, rewards, policy, reference, old, nil, nil,
           advantages, lossGradient, calibrated, transformed, k1, k2, k3, valid, summary)
}

/// `int32_t infalign_ctrl_step_tokens_f64(const infalign_ctrl_options *, const infalign_table *, int64_t groups,
/// int64_t group_size, int64_t max_tokens, const double *rewards, const double *policy_logprobs,
/// const double *reference_logprobs, const double *old_policy_logprobs, const uint8_t *mask, double *advantages,
/// double *loss_gradient, double *calibrated, double *transformed, double *k1, double *k2, double *k3,
/// uint8_t *valid, infalign_ctrl_summary *summary)`: token-level log-probs, mask, gradient and KL estimates.
@_cdecl("infalign_ctrl_step_tokens_f64")
public func infalign_ctrl_step_tokens_f64(
  _ options: OpaquePointer?, _ table: OpaquePointer?, _ groups: Int64, _ groupSize: Int64, _ maxTokens: Int64,
  _ rewards: UnsafePointer<Double>?, _ policy: UnsafePointer<Double>?, _ reference: UnsafePointer<Double>?,
  _ old: UnsafePointer<Double>?, _ mask: UnsafePointer<UInt8>?, _ advantages: UnsafeMutablePointer<Double>?,
  _ lossGradient: UnsafeMutablePointer<Double>?, _ calibrated: UnsafeMutablePointer<Double>?,
  _ transformed: UnsafeMutablePointer<Double>?, _ k1: UnsafeMutablePointer<Double>?, _ k2: UnsafeMutablePointer<Double>?,
  _ k3: UnsafeMutablePointer<Double>?, _ valid: UnsafeMutablePointer<UInt8>?, _ summary: UnsafeMutableRawPointer?
) -> Int32 {
  ctrlStep("infalign_ctrl_step_tokens_f64", options, table, groups, groupSize, maxTokens, rewards, policy, reference,
           old, nil, mask, advantages, lossGradient, calibrated, transformed, k1, k2, k3, valid, summary)
}

/// `int32_t infalign_ctrl_step_tokens_f32(...)`: as `infalign_ctrl_step_tokens_f64` with `float` buffers.
@_cdecl("infalign_ctrl_step_tokens_f32")
public func infalign_ctrl_step_tokens_f32(
  _ options: OpaquePointer?, _ table: OpaquePointer?, _ groups: Int64, _ groupSize: Int64, _ maxTokens: Int64,
  _ rewards: UnsafePointer<Float>?, _ policy: UnsafePointer<Float>?, _ reference: UnsafePointer<Float>?,
  _ old: UnsafePointer<Float>?, _ mask: UnsafePointer<UInt8>?, _ advantages: UnsafeMutablePointer<Float>?,
  _ lossGradient: UnsafeMutablePointer<Float>?, _ calibrated: UnsafeMutablePointer<Float>?,
  _ transformed: UnsafeMutablePointer<Float>?, _ k1: UnsafeMutablePointer<Float>?, _ k2: UnsafeMutablePointer<Float>?,
  _ k3: UnsafeMutablePointer<Float>?, _ valid: UnsafeMutablePointer<UInt8>?, _ summary: UnsafeMutableRawPointer?
) -> Int32 {
  ctrlStep("infalign_ctrl_step_tokens_f32", options, table, groups, groupSize, maxTokens, rewards, policy, reference,
           old, nil, mask, advantages, lossGradient, calibrated, transformed, k1, k2, k3, valid, summary)
}

/// `int32_t infalign_ctrl_step_rollout_f64(...)`: as `infalign_ctrl_step_tokens_f64` with `rollout_logprobs`
/// (`groups × group_size × max_tokens`, the inference engine's log-probs of the tokens) after
/// `old_policy_logprobs`, for the options' `rollout_correction` (TIS, IcePop), which it requires.
@_cdecl("infalign_ctrl_step_rollout_f64")
public func infalign_ctrl_step_rollout_f64(
  _ options: OpaquePointer?, _ table: OpaquePointer?, _ groups: Int64, _ groupSize: Int64, _ maxTokens: Int64,
  _ rewards: UnsafePointer<Double>?, _ policy: UnsafePointer<Double>?, _ reference: UnsafePointer<Double>?,
  _ old: UnsafePointer<Double>?, _ rollout: UnsafePointer<Double>?, _ mask: UnsafePointer<UInt8>?,
  _ advantages: UnsafeMutablePointer<Double>?, _ lossGradient: UnsafeMutablePointer<Double>?,
  _ calibrated: UnsafeMutablePointer<Double>?, _ transformed: UnsafeMutablePointer<Double>?,
  _ k1: UnsafeMutablePointer<Double>?, _ k2: UnsafeMutablePointer<Double>?, _ k3: UnsafeMutablePointer<Double>?,
  _ valid: UnsafeMutablePointer<UInt8>?, _ summary: UnsafeMutableRawPointer?
) -> Int32 {
  ctrlStep("infalign_ctrl_step_rollout_f64", options, table, groups, groupSize, maxTokens, rewards, policy, reference,
           old, rollout, mask, advantages,
           lossGradient, calibrated, transformed, k1, k2, k3, valid, summary)
}

/// `int32_t infalign_ctrl_step_rollout_f32(...)`: as `infalign_ctrl_step_rollout_f64` with `float` buffers.
@_cdecl("infalign_ctrl_step_rollout_f32")
public func infalign_ctrl_step_rollout_f32(
  _ options: OpaquePointer?, _ table: OpaquePointer?, _ groups: Int64, _ groupSize: Int64, _ maxTokens: Int64,
  _ rewards: UnsafePointer<Float>?, _ policy: UnsafePointer<Float>?, _ reference: UnsafePointer<Float>?,
  _ old: UnsafePointer<Float>?, _ rollout: UnsafePointer<Float>?, _ mask: UnsafePointer<UInt8>?,
  _ advantages: UnsafeMutablePointer<Float>?, _ lossGradient: UnsafeMutablePointer<Float>?,
  _ calibrated: UnsafeMutablePointer<Float>?, _ transformed: UnsafeMutablePointer<Float>?,
  _ k1: UnsafeMutablePointer<Float>?, _ k2: UnsafeMutablePointer<Float>?, _ k3: UnsafeMutablePointer<Float>?,
  _ valid: UnsafeMutablePointer<UInt8>?, _ summary: UnsafeMutableRawPointer?
) -> Int32 {
  ctrlStep("infalign_ctrl_step_rollout_f32", options, table, groups, groupSize, maxTokens, rewards, policy, reference,
           old, rollout, mask, advantages,
           lossGradient, calibrated, transformed, k1, k2, k3, valid, summary)
}
