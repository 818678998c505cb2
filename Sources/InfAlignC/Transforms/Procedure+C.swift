import InfAlignSolvers

// Inference-time procedures from their text forms (`infalign_procedure`).

/// `int32_t infalign_procedure_parse(const char *text, infalign_procedure **out)`.
@_cdecl("infalign_procedure_parse")
public func infalign_procedure_parse(_ text: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
  abiCall("infalign_procedure_parse") {
    let out = try Buffers.required(out, "out")
    let procedure = try Procedure(parsing: try Buffers.text(text, "text"))
    Handle.hand(ProcedureHandle(procedure), to: out)
  }
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
    let p = try Handle.resolve(procedure, as: ProcedureHandle.self, "procedure").procedure
    try Buffers.copy(p.description, to: buffer, capacity: capacity, length: length)
  }
}

/// `int32_t infalign_procedure_value(const infalign_procedure *, const double *cdf, double *out, int64_t count)`:
/// `g(F)` for each `F` (clamped into [0, 1]); `out` may be `cdf`.
@_cdecl("infalign_procedure_value")
public func infalign_procedure_value(
  _ procedure: OpaquePointer?, _ cdf: UnsafePointer<Double>?, _ out: UnsafeMutablePointer<Double>?, _ count: Int64
) -> Int32 {
  abiCall("infalign_procedure_value") {
    let p = try Handle.resolve(procedure, as: ProcedureHandle.self, "procedure").procedure
    let n = try Buffers.count(count, "count")
    let input = try Buffers.input(cdf, n, "cdf"), output = try Buffers.output(out, n, "out")
    for i in 0..<n { output[i] = p.value(input[i]) }
  }
}
