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

// Reading a table's references back out (what the Python package pickles a table by). A table keeps each prompt's
// references sorted, not in the order given; calibration depends only on each prompt's set of references, so a
// table rebuilt from the copy (with `infalign_table_create_ragged_*`) calibrates to the same bits.

/// `int32_t infalign_table_shape(const infalign_table *, int64_t *prompts, int64_t *references,
/// int64_t *element_size)`: the prompt count, the total number of references and the element size (4 for a
/// `float` table, 8 for `double`).
@_cdecl("infalign_table_shape")
public func infalign_table_shape(
  _ table: OpaquePointer?, _ prompts: UnsafeMutablePointer<Int64>?, _ references: UnsafeMutablePointer<Int64>?,
  _ elementSize: UnsafeMutablePointer<Int64>?
) -> Int32 {
  abiCall("infalign_table_shape") {
    let handle = try Handle.resolve(table, as: TableHandle.self, "table")
    let p = try Buffers.required(prompts, "prompts"), r = try Buffers.required(references, "references")
    let e = try Buffers.required(elementSize, "element_size")
    p.pointee = Int64(handle.promptCount)
    switch handle.storage {
    case let .float(t):
      r.pointee = Int64(tableReferenceTotal(t))
      e.pointee = 4
    case let .double(t):
      r.pointee = Int64(tableReferenceTotal(t))
      e.pointee = 8
    }
  }
}

func tableReferenceTotal<T: CElement>(_ table: CalibrationTable<T>) -> Int {
  (0..<table.promptCount).reduce(0) { $0 + table.referenceCount(prompt: $1) }
}

func tableReferencesCopy<T: CElement>(
  _ function: StaticString, _ handle: OpaquePointer?, _ references: UnsafeMutablePointer<T>?, _ count: Int64,
  _ offsets: UnsafeMutablePointer<Int64>?
) -> Int32 {
  abiCall(function) {
    let table = try Handle.resolve(handle, as: TableHandle.self, "table").table(T.self)
    let n = try Buffers.count(count, "count"), total = tableReferenceTotal(table)
    guard n == total else { throw BoundaryError("count = \(n), the table has \(total) references") }
    let values = try Buffers.output(references, n, "references")
    let o = try Buffers.output(offsets, table.promptCount + 1, "offsets")
    var at = 0
    o[0] = 0
    for b in 0..<table.promptCount {
      for v in table.sortedReferences(prompt: b) {
        values[at] = v
        at += 1
      }
      o[b + 1] = Int64(at)
    }
  }
}

/// `int32_t infalign_table_references_copy_f64(const infalign_table *, double *references, int64_t count,
/// int64_t *offsets)`: copies the references of a `double` table (each prompt's sorted ascending, prompt after
/// prompt; `count` must equal the total of ``infalign_table_shape``) and its `prompts + 1` offsets.
@_cdecl("infalign_table_references_copy_f64")
public func infalign_table_references_copy_f64(
  _ table: OpaquePointer?, _ references: UnsafeMutablePointer<Double>?, _ count: Int64,
  _ offsets: UnsafeMutablePointer<Int64>?
) -> Int32 { tableReferencesCopy("infalign_table_references_copy_f64", table, references, count, offsets) }

/// `int32_t infalign_table_references_copy_f32(const infalign_table *, float *, int64_t, int64_t *)`.
@_cdecl("infalign_table_references_copy_f32")
public func infalign_table_references_copy_f32(
  _ table: OpaquePointer?, _ references: UnsafeMutablePointer<Float>?, _ count: Int64,
  _ offsets: UnsafeMutablePointer<Int64>?
) -> Int32 { tableReferencesCopy("infalign_table_references_copy_f32", table, references, count, offsets) }
