import InfAlignSolvers

// Empirical inference-time win rates per prompt and the bootstrap interval of their mean.

func winRates<T: BLASScalar>(
  _ function: StaticString, _ policy: UnsafePointer<T>?, _ policyOffsets: UnsafePointer<Int64>?,
  _ reference: UnsafePointer<T>?, _ referenceOffsets: UnsafePointer<Int64>?, _ prompts: Int64,
  _ procedure: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?
) -> Int32 {
  abiCall(function) {
    let p = try ProcedureHandle.procedure(procedure)
    let b = try Buffers.count(prompts, "prompts")
    let po = try Buffers.offsets(policyOffsets, b, "policy_offsets")
    let ro = try Buffers.offsets(referenceOffsets, b, "reference_offsets")
    try EmpiricalWinRate.estimate(
      policy: try Buffers.input(policy, po[b], "policy"), policyOffsets: po,
      reference: try Buffers.input(reference, ro[b], "reference"), referenceOffsets: ro, procedure: p,
      into: try Buffers.output(out, b, "out"))
  }
}

// The `_f64`/`_f32` entry points below differ only in element type: `@_cdecl` needs each C signature spelled out,
// so each is a one-line call into the one generic implementation above.
/// `int32_t infalign_win_rates_f64(const double *policy, const int64_t *policy_offsets, const double *reference,
/// const int64_t *reference_offsets, int64_t prompts, const infalign_procedure *, double *out)`: one unbiased
/// estimate per prompt (standard, bon:N or won:N).
@_cdecl("infalign_win_rates_f64")
public func infalign_win_rates_f64(
  _ policy: UnsafePointer<Double>?, _ policyOffsets: UnsafePointer<Int64>?, _ reference: UnsafePointer<Double>?,
  _ referenceOffsets: UnsafePointer<Int64>?, _ prompts: Int64, _ procedure: OpaquePointer?,
  _ out: UnsafeMutablePointer<Double>?
) -> Int32 {
  winRates("infalign_win_rates_f64", policy, policyOffsets, reference, referenceOffsets, prompts, procedure, out)
}

/// `int32_t infalign_win_rates_f32(const float *, const int64_t *, const float *, const int64_t *, int64_t,
/// const infalign_procedure *, double *out)`.
@_cdecl("infalign_win_rates_f32")
public func infalign_win_rates_f32(
  _ policy: UnsafePointer<Float>?, _ policyOffsets: UnsafePointer<Int64>?, _ reference: UnsafePointer<Float>?,
  _ referenceOffsets: UnsafePointer<Int64>?, _ prompts: Int64, _ procedure: OpaquePointer?,
  _ out: UnsafeMutablePointer<Double>?
) -> Int32 {
  winRates("infalign_win_rates_f32", policy, policyOffsets, reference, referenceOffsets, prompts, procedure, out)
}

/// `int32_t infalign_bootstrap(const double *values, int64_t count, int64_t resamples, double level,
/// uint64_t seed, infalign_interval *out)`: the seeded percentile interval of the mean, as `infalign_interval
/// { double estimate, lower, upper, standard_error, level; int64_t resamples; }`.
@_cdecl("infalign_bootstrap")
public func infalign_bootstrap(
  _ values: UnsafePointer<Double>?, _ count: Int64, _ resamples: Int64, _ level: Double, _ seed: UInt64,
  _ out: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall("infalign_bootstrap") {
    let out = try Buffers.record(out, "out")
    let v = try Buffers.input(values, try Buffers.count(count, "count"), "values")
    guard resamples <= 100_000_000 else {
      throw InfAlignError.invalidParameter(name: "resamples", value: Double(resamples), reason: "at most 100000000")
    }
    // A NaN would silently become the mean: refused, naming its position (values are per-prompt estimates).
    for i in 0..<v.count where !v[i].isFinite {
      throw InfAlignError.nonFinite(field: "value", prompt: i, index: 0, value: v[i])
    }
    let ci = try Bootstrap.meanInterval(Array(v), resamples: Int(resamples), level: level, seed: seed)
    Buffers.store([ci.estimate, ci.lower, ci.upper, ci.standardError, ci.level], [Int64(ci.resamples)],
                  into: out)
  }
}
