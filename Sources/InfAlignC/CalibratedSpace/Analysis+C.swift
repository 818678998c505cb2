import InfAlignSolvers

// Calibrated-space analysis, β for a KL budget, and parametric tuning.

/// Writes a point as `infalign_point { double beta, log_z, kl, standard_win_rate, win_rate; }`.
func store(_ point: CalibratedPoint, into out: UnsafeMutableRawPointer) {
  Buffers.store([point.beta, point.logZ, point.kl, point.standardWinRate, point.winRate], into: out)
}

/// The analysis functions' plumbing: resolves the transform and the procedures, and stores the point `analyze`
/// returns into `*out`.
func analyzePoint(
  _ function: StaticString, _ transform: OpaquePointer?, _ procedure: OpaquePointer?, _ reference: OpaquePointer?,
  _ out: UnsafeMutableRawPointer?, _ analyze: (Transform, Procedure, Procedure?) throws -> CalibratedPoint
) -> Int32 {
  abiCall(function) {
    let out = try Buffers.record(out, "out")
    let t = try TransformHandle.transform(transform)
    let (p, r) = try ProcedureHandle.procedures(procedure, reference: reference)
    store(try analyze(t, p, r), into: out)
  }
}

/// `int32_t infalign_analyze(const infalign_transform *, double beta, const infalign_procedure *procedure,
/// const infalign_procedure *reference, infalign_point *out)`: `reference` NULL means the policy's procedure.
@_cdecl("infalign_analyze")
public func infalign_analyze(
  _ transform: OpaquePointer?, _ beta: Double, _ procedure: OpaquePointer?, _ reference: OpaquePointer?,
  _ out: UnsafeMutableRawPointer?
) -> Int32 {
  analyzePoint("infalign_analyze", transform, procedure, reference, out) { t, p, r in
    try CalibratedSpace.analyze(transform: t, beta: beta, procedure: p, reference: r)
  }
}

/// `int32_t infalign_analyze_kl(const infalign_transform *, double kl, const infalign_procedure *,
/// const infalign_procedure *reference, infalign_point *out)`: the point whose β meets the KL budget.
@_cdecl("infalign_analyze_kl")
public func infalign_analyze_kl(
  _ transform: OpaquePointer?, _ kl: Double, _ procedure: OpaquePointer?, _ reference: OpaquePointer?,
  _ out: UnsafeMutableRawPointer?
) -> Int32 {
  analyzePoint("infalign_analyze_kl", transform, procedure, reference, out) { t, p, r in
    try CalibratedSpace.analyze(transform: t, kl: kl, procedure: p, reference: r)
  }
}

/// `int32_t infalign_beta_for_kl(const infalign_transform *, double kl, double *beta)`.
@_cdecl("infalign_beta_for_kl")
public func infalign_beta_for_kl(_ transform: OpaquePointer?, _ kl: Double, _ beta: UnsafeMutablePointer<Double>?) -> Int32 {
  abiCall("infalign_beta_for_kl") {
    let out = try Buffers.required(beta, "beta")
    let t = try TransformHandle.transform(transform)
    out.pointee = try CalibratedSpace.beta(forKL: kl, transform: t)
  }
}

/// `int32_t infalign_tune(const char *family, double kl, const infalign_procedure *,
/// const infalign_procedure *reference, double range_low, double range_high, double *parameter,
/// infalign_point *out)`: the family member (`exp`, `negexp`, `power`) with the highest win rate at the budget;
/// both range ends NaN means the family's default range.
@_cdecl("infalign_tune")
public func infalign_tune(
  _ family: UnsafePointer<CChar>?, _ kl: Double, _ procedure: OpaquePointer?, _ reference: OpaquePointer?,
  _ rangeLow: Double, _ rangeHigh: Double, _ parameter: UnsafeMutablePointer<Double>?, _ out: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall("infalign_tune") {
    let parameterOut = try Buffers.required(parameter, "parameter")
    let out = try Buffers.record(out, "out")
    let name = try Buffers.text(family, "family")
    guard let f = TransformFamily(rawValue: name) else {
      throw InfAlignError.parse(
        kind: "transform family", text: name,
        reason: "expected one of \(TransformFamily.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let (p, r) = try ProcedureHandle.procedures(procedure, reference: reference)
    var range: ClosedRange<Double>? = nil
    if !(rangeLow.isNaN && rangeHigh.isNaN) {
      // ClosedRange traps on low > high: checked here.
      guard rangeLow.isFinite, rangeLow > 0 else {
        throw InfAlignError.invalidParameter(name: "range_low", value: rangeLow, reason: "must be finite and > 0")
      }
      guard rangeHigh.isFinite, rangeHigh >= rangeLow else {
        throw InfAlignError.invalidParameter(
          name: "range_high", value: rangeHigh, reason: "must be finite and >= range_low = \(rangeLow)")
      }
      range = rangeLow...rangeHigh
    }
    let tuned = try ParametricTuning.tune(family: f, kl: kl, procedure: p, reference: r, range: range)
    parameterOut.pointee = tuned.parameter
    store(tuned.point, into: out)
  }
}
