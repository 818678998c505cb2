import InfAlignSolvers

// Inference-time procedures from their text forms (`infalign_procedure`).

extension ProcedureHandle {
  /// The procedure behind the `infalign_procedure *` argument `name`.
  static func procedure(_ pointer: OpaquePointer?, _ name: String = "procedure") throws(BoundaryError) -> Procedure {
    try resolve(pointer, as: ProcedureHandle.self, name).procedure
  }

  /// The policy's procedure (required) and the reference procedure (NULL: `nil`, which each function documents,
  /// usually as "the policy's procedure"): the `procedure, reference` argument pair of the analysis functions.
  static func procedures(_ procedure: OpaquePointer?, reference: OpaquePointer?) throws(BoundaryError)
    -> (policy: Procedure, reference: Procedure?)
  {
    let p = try Self.procedure(procedure)
    return (p, try resolveOptional(reference, as: ProcedureHandle.self, "reference")?.procedure)
  }
}

/// `int32_t infalign_procedure_parse(const char *text, infalign_procedure **out)`.
@_cdecl("infalign_procedure_parse")
public func infalign_procedure_parse(_ text: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
  abiCall("infalign_procedure_parse") { try Handle.parse(text, into: out) { ProcedureHandle(try Procedure(parsing: $0)) } }
}

/// `int32_t infalign_procedure_free(infalign_procedure *procedure)`; NULL is a no-op.
@_cdecl("infalign_procedure_free")
public func infalign_procedure_free(_ procedure: OpaquePointer?) -> Int32 {
  abiCall("infalign_procedure_free") { try Handle.free(procedure, as: ProcedureHandle.self) }
}

/// `int32_t infalign_procedure_describe(const infalign_procedure *, char *buffer, int64_t capacity,
/// int64_t *length)`: the text form, which parses back to the same procedure.
@_cdecl("infalign_procedure_describe")
public func infalign_procedure_describe(
  _ procedure: OpaquePointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int64,
  _ length: UnsafeMutablePointer<Int64>?
) -> Int32 {
  abiCall("infalign_procedure_describe") {
    try Handle.describe(procedure, as: ProcedureHandle.self, "procedure", to: buffer, capacity: capacity, length: length)
  }
}

/// `int32_t infalign_procedure_value(const infalign_procedure *, const double *cdf, double *out, int64_t count)`:
/// `g(F)` for each `F` (clamped into [0, 1]); `out` may be `cdf`.
@_cdecl("infalign_procedure_value")
public func infalign_procedure_value(
  _ procedure: OpaquePointer?, _ cdf: UnsafePointer<Double>?, _ out: UnsafeMutablePointer<Double>?, _ count: Int64
) -> Int32 {
  abiCall("infalign_procedure_value") {
    let p = try ProcedureHandle.procedure(procedure)
    let n = try Buffers.count(count, "count")
    let input = try Buffers.input(cdf, n, "cdf"), output = try Buffers.output(out, n, "out")
    for i in 0..<n { output[i] = p.value(input[i]) }
  }
}
