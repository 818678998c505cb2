import InfAlignSolvers

// Calibration tables (`infalign_table`): references sorted once, queries calibrated many times.

/// The element types of the C ABI (`float`, `double`) and how a table handle stores each.
protocol CElement: BLASScalar {
  static var cName: String { get }
  static func wrap(_ table: CalibrationTable<Self>) -> TableHandle.Storage
  static func unwrap(_ storage: TableHandle.Storage) -> CalibrationTable<Self>?
}

extension Float: CElement {
  static var cName: String { "float" }
  static func wrap(_ table: CalibrationTable<Float>) -> TableHandle.Storage { .float(table) }
  static func unwrap(_ storage: TableHandle.Storage) -> CalibrationTable<Float>? {
    if case let .float(t) = storage { return t }
    return nil
  }
}

extension Double: CElement {
  static var cName: String { "double" }
  static func wrap(_ table: CalibrationTable<Double>) -> TableHandle.Storage { .double(table) }
  static func unwrap(_ storage: TableHandle.Storage) -> CalibrationTable<Double>? {
    if case let .double(t) = storage { return t }
    return nil
  }
}

extension TableHandle {
  /// The table, which must hold `T` references.
  func table<T: CElement>(_: T.Type) throws(BoundaryError) -> CalibrationTable<T> {
    guard let t = T.unwrap(storage) else {
      throw BoundaryError("the table holds \(elementName) references; this function takes \(T.cName)")
    }
    return t
  }
}

func tableCreateDense<T: CElement>(
  _ function: StaticString, _ references: UnsafePointer<T>?, _ prompts: Int64, _ columns: Int64,
  _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
  abiCall(function) {
    let out = try Buffers.required(out, "out")
    let b = try Buffers.count(prompts, "prompts"), m = try Buffers.count(columns, "columns")
    let refs = try Buffers.input(references, try Buffers.product(b, m, "references"), "references")
    let table = try CalibrationTable(references: refs, rows: b, columns: m)
    Handle.hand(TableHandle(T.wrap(table)), to: out)
  }
}

func tableCreateRagged<T: CElement>(
  _ function: StaticString, _ references: UnsafePointer<T>?, _ offsets: UnsafePointer<Int64>?, _ prompts: Int64,
  _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
  abiCall(function) {
    let out = try Buffers.required(out, "out")
    let b = try Buffers.count(prompts, "prompts")
    let o = try Buffers.offsets(offsets, b, "offsets")
    let refs = try Buffers.input(references, o[b], "references")
    let counts = (0..<b).map { o[$0 + 1] - o[$0] }
    let table = try counts.withUnsafeBufferPointer { (c) throws(InfAlignError) in
      try CalibrationTable(references: refs, counts: c)
    }
    Handle.hand(TableHandle(T.wrap(table)), to: out)
  }
}

func tableCalibrateDense<T: CElement>(
  _ function: StaticString, _ handle: OpaquePointer?, _ rewards: UnsafePointer<T>?, _ columns: Int64, _ flags: Int32,
  _ out: UnsafeMutablePointer<T>?
) -> Int32 {
  abiCall(function) {
    let table = try Handle.resolve(handle, as: TableHandle.self, "table").table(T.self)
    let k = try Buffers.count(columns, "columns"), options = try Buffers.calibrationOptions(flags)
    let n = try Buffers.product(table.promptCount, k, "rewards")
    try table.calibrate(
      queries: try Buffers.input(rewards, n, "rewards"), columns: k, into: try Buffers.output(out, n, "out"),
      options: options)
  }
}

func tableCalibrateRagged<T: CElement>(
  _ function: StaticString, _ handle: OpaquePointer?, _ rewards: UnsafePointer<T>?, _ offsets: UnsafePointer<Int64>?,
  _ flags: Int32, _ out: UnsafeMutablePointer<T>?
) -> Int32 {
  abiCall(function) {
    let table = try Handle.resolve(handle, as: TableHandle.self, "table").table(T.self)
    let options = try Buffers.calibrationOptions(flags)
    let o = try Buffers.offsets(offsets, table.promptCount, "offsets")
    let n = o[table.promptCount]
    try table.calibrate(
      queries: try Buffers.input(rewards, n, "rewards"), queryOffsets: o, into: try Buffers.output(out, n, "out"),
      options: options)
  }
}

// The `_f64`/`_f32` entry points below differ only in element type: `@_cdecl` needs each C signature spelled out,
// so each is a one-line call into the one generic implementation above.
/// `int32_t infalign_table_create_f64(const double *references, int64_t prompts, int64_t columns,
/// infalign_table **out)`: a dense `prompts × columns` table.
@_cdecl("infalign_table_create_f64")
public func infalign_table_create_f64(
  _ references: UnsafePointer<Double>?, _ prompts: Int64, _ columns: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 { tableCreateDense("infalign_table_create_f64", references, prompts, columns, out) }

/// `int32_t infalign_table_create_f32(const float *, int64_t, int64_t, infalign_table **)`.
@_cdecl("infalign_table_create_f32")
public func infalign_table_create_f32(
  _ references: UnsafePointer<Float>?, _ prompts: Int64, _ columns: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 { tableCreateDense("infalign_table_create_f32", references, prompts, columns, out) }

/// `int32_t infalign_table_create_ragged_f64(const double *references, const int64_t *offsets, int64_t prompts,
/// infalign_table **out)`.
@_cdecl("infalign_table_create_ragged_f64")
public func infalign_table_create_ragged_f64(
  _ references: UnsafePointer<Double>?, _ offsets: UnsafePointer<Int64>?, _ prompts: Int64,
  _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 { tableCreateRagged("infalign_table_create_ragged_f64", references, offsets, prompts, out) }

/// `int32_t infalign_table_create_ragged_f32(const float *, const int64_t *, int64_t, infalign_table **)`.
@_cdecl("infalign_table_create_ragged_f32")
public func infalign_table_create_ragged_f32(
  _ references: UnsafePointer<Float>?, _ offsets: UnsafePointer<Int64>?, _ prompts: Int64,
  _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 { tableCreateRagged("infalign_table_create_ragged_f32", references, offsets, prompts, out) }

/// `int32_t infalign_table_free(infalign_table *table)`; NULL is a no-op.
@_cdecl("infalign_table_free")
public func infalign_table_free(_ table: OpaquePointer?) -> Int32 {
  abiCall("infalign_table_free") { try Handle.free(table, as: TableHandle.self) }
}

/// `int32_t infalign_table_prompts(const infalign_table *, int64_t *prompts)`.
@_cdecl("infalign_table_prompts")
public func infalign_table_prompts(_ table: OpaquePointer?, _ prompts: UnsafeMutablePointer<Int64>?) -> Int32 {
  abiCall("infalign_table_prompts") {
    let out = try Buffers.required(prompts, "prompts")
    out.pointee = Int64(try Handle.resolve(table, as: TableHandle.self, "table").promptCount)
  }
}

/// `int32_t infalign_table_calibrate_f64(const infalign_table *, const double *rewards, int64_t columns,
/// int32_t flags, double *out)`: dense `prompts × columns` rewards; `out` may be `rewards`.
@_cdecl("infalign_table_calibrate_f64")
public func infalign_table_calibrate_f64(
  _ table: OpaquePointer?, _ rewards: UnsafePointer<Double>?, _ columns: Int64, _ flags: Int32,
  _ out: UnsafeMutablePointer<Double>?
) -> Int32 { tableCalibrateDense("infalign_table_calibrate_f64", table, rewards, columns, flags, out) }

/// `int32_t infalign_table_calibrate_f32(const infalign_table *, const float *, int64_t, int32_t, float *)`.
@_cdecl("infalign_table_calibrate_f32")
public func infalign_table_calibrate_f32(
  _ table: OpaquePointer?, _ rewards: UnsafePointer<Float>?, _ columns: Int64, _ flags: Int32,
  _ out: UnsafeMutablePointer<Float>?
) -> Int32 { tableCalibrateDense("infalign_table_calibrate_f32", table, rewards, columns, flags, out) }

/// `int32_t infalign_table_calibrate_ragged_f64(const infalign_table *, const double *rewards,
/// const int64_t *offsets, int32_t flags, double *out)`.
@_cdecl("infalign_table_calibrate_ragged_f64")
public func infalign_table_calibrate_ragged_f64(
  _ table: OpaquePointer?, _ rewards: UnsafePointer<Double>?, _ offsets: UnsafePointer<Int64>?, _ flags: Int32,
  _ out: UnsafeMutablePointer<Double>?
) -> Int32 { tableCalibrateRagged("infalign_table_calibrate_ragged_f64", table, rewards, offsets, flags, out) }

/// `int32_t infalign_table_calibrate_ragged_f32(const infalign_table *, const float *, const int64_t *, int32_t,
/// float *)`.
@_cdecl("infalign_table_calibrate_ragged_f32")
public func infalign_table_calibrate_ragged_f32(
  _ table: OpaquePointer?, _ rewards: UnsafePointer<Float>?, _ offsets: UnsafePointer<Int64>?, _ flags: Int32,
  _ out: UnsafeMutablePointer<Float>?
) -> Int32 { tableCalibrateRagged("infalign_table_calibrate_ragged_f32", table, rewards, offsets, flags, out) }
