import InfAlignSolvers

// One CTRL step on caller-owned `groups × group_size` buffers.

func ctrlStep<T: CElement>(
  _ function: StaticString, _ options: OpaquePointer?, _ table: OpaquePointer?, _ groups: Int64, _ groupSize: Int64,
  _ rewards: UnsafePointer<T>?, _ policy: UnsafePointer<T>?, _ reference: UnsafePointer<T>?, _ old: UnsafePointer<T>?,
  _ advantages: UnsafeMutablePointer<T>?, _ lossGradient: UnsafeMutablePointer<T>?, _ calibrated: UnsafeMutablePointer<T>?,
  _ transformed: UnsafeMutablePointer<T>?, _ k1: UnsafeMutablePointer<T>?, _ k2: UnsafeMutablePointer<T>?,
  _ k3: UnsafeMutablePointer<T>?, _ valid: UnsafeMutablePointer<UInt8>?, _ summary: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall(function) {
    let opts = try Handle.resolve(options, as: CTRLOptionsHandle.self, "options").options
    let calibration: CTRLCalibration<T> =
      try Handle.resolveOptional(table, as: TableHandle.self, "table").map { .table(try $0.table(T.self)) } ?? .group
    let b = try Buffers.count(groups, "groups"), g = try Buffers.count(groupSize, "group_size")
    let n = try Buffers.product(b, g, "groups × group_size")
    let outputs = CTRLOutputs(
      advantages: try Buffers.output(advantages, n, "advantages"),
      lossGradient: try Buffers.output(lossGradient, n, "loss_gradient"),
      calibrated: Buffers.optionalOutput(calibrated, n), transformed: Buffers.optionalOutput(transformed, n),
      k1: Buffers.optionalOutput(k1, n), k2: Buffers.optionalOutput(k2, n), k3: Buffers.optionalOutput(k3, n),
      // Bool is one byte holding 0 or 1, as the header's uint8_t.
      valid: valid.map {
        UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer($0).assumingMemoryBound(to: Bool.self), count: n)
      })
    let s = try CTRLStep.run(
      groups: b, groupSize: g, rewards: try Buffers.input(rewards, n, "rewards"),
      policyLogProbs: try Buffers.input(policy, n, "policy_logprobs"),
      referenceLogProbs: try Buffers.input(reference, n, "reference_logprobs"),
      oldPolicyLogProbs: old.map { UnsafeBufferPointer(start: $0, count: n) }, calibration: calibration, options: opts,
      outputs: outputs)
    if let summary {
      Buffers.store([s.loss, s.meanK1, s.meanK2, s.meanK3, s.clippedFraction], [Int64(s.maskedCount)], into: summary)
    }
  }
}

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
  ctrlStep("infalign_ctrl_step_f64", options, table, groups, groupSize, rewards, policy, reference, old, advantages,
           lossGradient, calibrated, transformed, k1, k2, k3, valid, summary)
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
  ctrlStep("infalign_ctrl_step_f32", options, table, groups, groupSize, rewards, policy, reference, old, advantages,
           lossGradient, calibrated, transformed, k1, k2, k3, valid, summary)
}
