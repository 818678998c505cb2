import InfAlignC

// The element types of the `ctrl-shapes` target (ShapeFuzz.swift).

/// `Float` and `Double` with their C entry points.
protocol ShapeScalar: BinaryFloatingPoint {
  associatedtype Other: ShapeScalar
  typealias In = UnsafePointer<Self>?
  typealias Out = UnsafeMutablePointer<Self>?
  typealias OffsetsIn = UnsafePointer<Int64>?
  typealias Handle = UnsafeMutablePointer<OpaquePointer?>?
  typealias Step = (OpaquePointer?, OpaquePointer?, Int64, Int64, In, In, In, In, Out, Out, Out, Out, Out, Out, Out,
                    UnsafeMutablePointer<UInt8>?, UnsafeMutableRawPointer?) -> Int32
  typealias StepTokens = (OpaquePointer?, OpaquePointer?, Int64, Int64, Int64, In, In, In, In, UnsafePointer<UInt8>?,
                          Out, Out, Out, Out, Out, Out, Out, UnsafeMutablePointer<UInt8>?, UnsafeMutableRawPointer?) -> Int32
  typealias StepRollout = (OpaquePointer?, OpaquePointer?, Int64, Int64, Int64, In, In, In, In, In,
                           UnsafePointer<UInt8>?, Out, Out, Out, Out, Out, Out, Out, UnsafeMutablePointer<UInt8>?,
                           UnsafeMutableRawPointer?) -> Int32
  static var name: String { get }
  static var step: Step { get }
  static var stepTokens: StepTokens { get }
  static var stepRollout: StepRollout { get }
  static var calibrate: (In, Int64, In, Int64, Int64, Int32, Out) -> Int32 { get }
  static var calibrateRagged: (In, OffsetsIn, In, OffsetsIn, Int64, Int32, Out) -> Int32 { get }
  static var tableCreate: (In, Int64, Int64, Handle) -> Int32 { get }
  static var tableCreateRagged: (In, OffsetsIn, Int64, Handle) -> Int32 { get }
  static var tableCalibrate: (OpaquePointer?, In, Int64, Int32, Out) -> Int32 { get }
  static var tableCalibrateRagged: (OpaquePointer?, In, OffsetsIn, Int32, Out) -> Int32 { get }
}

extension ShapeScalar {
  /// A table of `prompts` prompts, dense or ragged (NULL when the ABI refused it, which is checked).
  static func makeTable(prompts: Int, _ r: inout FuzzBytes, _ what: String) throws(ShapeFuzz.Failure) -> OpaquePointer? {
    var table: OpaquePointer? = nil
    let poison = r.below(6) == 0
    let status: Int32
    if r.bit() {
      let columns = r.size(8)
      let references = Buffer<Self>(prompts * columns) { _ in Self(r.value(poison: poison)) }
      status = tableCreate(references.pointer, Int64(prompts), Int64(columns), &table)
      withExtendedLifetime(references) {}
    } else {
      let offsets = r.offsets(prompts)
      let references = Buffer<Self>(offsets.span) { _ in Self(r.value(poison: poison)) }
      status = tableCreateRagged(references.pointer, offsets.pointer, Int64(prompts), &table)
      withExtendedLifetime((references, offsets)) {}
    }
    try ShapeFuzz.checkStatus(status, "\(what): \(name) table of \(prompts) prompts")
    if (status == 0) != (table != nil) { throw ShapeFuzz.Failure("\(what): table status \(status) with handle \(String(describing: table))") }
    return table
  }

  /// Dense or ragged rewards of `prompts` prompts (now and then one more or one fewer) against `table`.
  static func calibrateAgainst(_ table: OpaquePointer, prompts tablePrompts: Int, _ r: inout FuzzBytes, _ what: String)
    throws(ShapeFuzz.Failure) -> Int32
  {
    let prompts = r.below(8) == 0 ? max(0, tablePrompts + (r.bit() ? 1 : -1)) : tablePrompts
    let flags = r.flags(), poison = r.below(4) == 0, inPlace = r.bit()
    let status: Int32, out: Buffer<Self>, written: Int
    if r.bit() {
      // Dense: the table's prompts × columns (a wrong prompt count cannot be told to the dense call).
      let columns = r.size(16)
      let rewards = Buffer<Self>(tablePrompts * columns) { _ in Self(r.value(poison: poison)) }
      out = inPlace ? rewards : Buffer<Self>(tablePrompts * columns, nan: true)
      status = tableCalibrate(table, rewards.pointer, Int64(columns), flags, out.pointer)
      written = tablePrompts * columns
      withExtendedLifetime(rewards) {}
    } else {
      // Ragged: offsets for `prompts` prompts, but the ABI reads the table's prompts + 1: give at least that many.
      let offsets = r.offsets(prompts, atLeast: tablePrompts)
      let rewards = Buffer<Self>(offsets.span) { _ in Self(r.value(poison: poison)) }
      out = inPlace ? rewards : Buffer<Self>(offsets.span, nan: true)
      status = tableCalibrateRagged(table, rewards.pointer, offsets.pointer, flags, out.pointer)
      // The call is told the table's prompts only: it writes up to offsets[table prompts].
      written = Int(offsets.pointer[tablePrompts])
      withExtendedLifetime((rewards, offsets)) {}
    }
    let described = "\(what): \(name) rewards, flags \(flags)"
    try ShapeFuzz.checkStatus(status, described)
    if status == 0 { try ShapeFuzz.checkFinite(out, "out", described, unit: true, count: written) }
    return status
  }
}

extension Double: ShapeScalar {
  typealias Other = Float
  static var name: String { "f64" }
  static var step: Step { infalign_ctrl_step_f64 }
  static var stepTokens: StepTokens { infalign_ctrl_step_tokens_f64 }
  static var stepRollout: StepRollout { infalign_ctrl_step_rollout_f64 }
  static var calibrate: (In, Int64, In, Int64, Int64, Int32, Out) -> Int32 { infalign_calibrate_f64 }
  static var calibrateRagged: (In, OffsetsIn, In, OffsetsIn, Int64, Int32, Out) -> Int32 { infalign_calibrate_ragged_f64 }
  static var tableCreate: (In, Int64, Int64, Handle) -> Int32 { infalign_table_create_f64 }
  static var tableCreateRagged: (In, OffsetsIn, Int64, Handle) -> Int32 { infalign_table_create_ragged_f64 }
  static var tableCalibrate: (OpaquePointer?, In, Int64, Int32, Out) -> Int32 { infalign_table_calibrate_f64 }
  static var tableCalibrateRagged: (OpaquePointer?, In, OffsetsIn, Int32, Out) -> Int32 { infalign_table_calibrate_ragged_f64 }
}

extension Float: ShapeScalar {
  typealias Other = Double
  static var name: String { "f32" }
  static var step: Step { infalign_ctrl_step_f32 }
  static var stepTokens: StepTokens { infalign_ctrl_step_tokens_f32 }
  static var stepRollout: StepRollout { infalign_ctrl_step_rollout_f32 }
  static var calibrate: (In, Int64, In, Int64, Int64, Int32, Out) -> Int32 { infalign_calibrate_f32 }
  static var calibrateRagged: (In, OffsetsIn, In, OffsetsIn, Int64, Int32, Out) -> Int32 { infalign_calibrate_ragged_f32 }
  static var tableCreate: (In, Int64, Int64, Handle) -> Int32 { infalign_table_create_f32 }
  static var tableCreateRagged: (In, OffsetsIn, Int64, Handle) -> Int32 { infalign_table_create_ragged_f32 }
  static var tableCalibrate: (OpaquePointer?, In, Int64, Int32, Out) -> Int32 { infalign_table_calibrate_f32 }
  static var tableCalibrateRagged: (OpaquePointer?, In, OffsetsIn, Int32, Out) -> Int32 { infalign_table_calibrate_ragged_f32 }
}
