import InfAlignSolvers

// The optimal transform of a procedure, returned as a table transform plus a summary.

/// The largest grid accepted at the boundary (the solver allocates O(grid²) in its cumulative quadrature matrix).
let maximumOptimalGrid = 1 << 16

func solveOptimal(
  _ function: StaticString, _ procedure: OpaquePointer?, _ reference: OpaquePointer?, _ grid: Int64,
  _ method: UnsafePointer<CChar>?, _ summary: UnsafeMutableRawPointer?, _ transform: UnsafeMutablePointer<OpaquePointer?>?,
  _ solve: (Procedure, Procedure?, Int, OptimalTransform.Method) throws(InfAlignError) -> OptimalTransformResult
) -> Int32 {
  abiCall(function) {
    let summaryOut = try Buffers.record(summary, "summary")
    let transformOut = try Buffers.required(transform, "transform")
    let (p, r) = try ProcedureHandle.procedures(procedure, reference: reference)
    let n = try Buffers.count(grid, "grid")
    if n > maximumOptimalGrid {
      throw InfAlignError.invalidParameter(name: "grid", value: Double(n), reason: "at most \(maximumOptimalGrid) points")
    }
    let methodName = method == nil ? OptimalTransform.Method.fixedPoint.rawValue : try Buffers.text(method, "method")
    guard let m = OptimalTransform.Method(rawValue: methodName) else {
      throw InfAlignError.parse(
        kind: "optimal transform method", text: methodName,
        reason: "expected one of \(OptimalTransform.Method.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let result = try solve(p, r, n, m)
    Buffers.store(
      [result.beta, result.kl, result.standardWinRate, result.winRate, result.objective, result.residual],
      [Int64(result.iterations), Int64(result.stationaryPoints)], into: summaryOut)
    Handle.hand(TransformHandle(result.transform), to: transformOut)
  }
}

// The β and KL entry points differ only in the solve they pass: `@_cdecl` needs each C signature spelled out.
/// `int32_t infalign_optimal_transform(const infalign_procedure *, const infalign_procedure *reference,
/// double beta, int64_t grid, const char *method, infalign_optimal_summary *summary, infalign_transform **out)`:
/// the optimal transform at KL weight β; `method` NULL means "fixed-point".
@_cdecl("infalign_optimal_transform")
public func infalign_optimal_transform(
  _ procedure: OpaquePointer?, _ reference: OpaquePointer?, _ beta: Double, _ grid: Int64,
  _ method: UnsafePointer<CChar>?, _ summary: UnsafeMutableRawPointer?, _ transform: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
  solveOptimal("infalign_optimal_transform", procedure, reference, grid, method, summary, transform) {
    (p, r, n, m) throws(InfAlignError) in
    try OptimalTransform.solve(procedure: p, reference: r, beta: beta, grid: n, method: m)
  }
}

/// `int32_t infalign_optimal_transform_kl(const infalign_procedure *, const infalign_procedure *reference,
/// double kl, int64_t grid, const char *method, infalign_optimal_summary *summary, infalign_transform **out)`:
/// the optimal transform whose KL meets the budget.
@_cdecl("infalign_optimal_transform_kl")
public func infalign_optimal_transform_kl(
  _ procedure: OpaquePointer?, _ reference: OpaquePointer?, _ kl: Double, _ grid: Int64,
  _ method: UnsafePointer<CChar>?, _ summary: UnsafeMutableRawPointer?, _ transform: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
  solveOptimal("infalign_optimal_transform_kl", procedure, reference, grid, method, summary, transform) {
    (p, r, n, m) throws(InfAlignError) in
    try OptimalTransform.solve(procedure: p, reference: r, kl: kl, grid: n, method: m)
  }
}
