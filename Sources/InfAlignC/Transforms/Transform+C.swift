import InfAlignSolvers

// Transforms Φ of the calibrated reward, from their text forms or a table (`infalign_transform`).

extension TransformHandle {
  /// The transform behind the `infalign_transform *` argument `name`.
  static func transform(_ pointer: OpaquePointer?, _ name: String = "transform") throws(BoundaryError) -> Transform {
    try resolve(pointer, as: TransformHandle.self, name).transform
  }
}

/// `int32_t infalign_transform_parse(const char *text, infalign_transform **out)`.
@_cdecl("infalign_transform_parse")
public func infalign_transform_parse(_ text: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
  abiCall("infalign_transform_parse") { try Handle.parse(text, into: out) { TransformHandle(try Transform(parsing: $0)) } }
}

/// `int32_t infalign_transform_table(const double *grid, const double *values, int64_t points,
/// infalign_transform **out)`: piecewise-linear on a strictly increasing grid in [0, 1].
@_cdecl("infalign_transform_table")
public func infalign_transform_table(
  _ grid: UnsafePointer<Double>?, _ values: UnsafePointer<Double>?, _ points: Int64,
  _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
  abiCall("infalign_transform_table") {
    let out = try Buffers.required(out, "out")
    let n = try Buffers.count(points, "points")
    let g = try Buffers.input(grid, n, "grid"), v = try Buffers.input(values, n, "values")
    let transform = try Transform.tabulated(grid: Array(g), values: Array(v))
    Handle.hand(TransformHandle(transform), to: out)
  }
}

/// `int32_t infalign_transform_free(infalign_transform *transform)`; NULL is a no-op.
@_cdecl("infalign_transform_free")
public func infalign_transform_free(_ transform: OpaquePointer?) -> Int32 {
  abiCall("infalign_transform_free") { try Handle.free(transform, as: TransformHandle.self) }
}

/// `int32_t infalign_transform_describe(const infalign_transform *, char *buffer, int64_t capacity,
/// int64_t *length)`: the text form (which parses back, except for tables).
@_cdecl("infalign_transform_describe")
public func infalign_transform_describe(
  _ transform: OpaquePointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int64,
  _ length: UnsafeMutablePointer<Int64>?
) -> Int32 {
  abiCall("infalign_transform_describe") {
    try Handle.describe(transform, as: TransformHandle.self, "transform", to: buffer, capacity: capacity, length: length)
  }
}

/// `int32_t infalign_transform_table_points(const infalign_transform *, int64_t *points)`: the table's size, 0
/// for a transform that is not a table.
@_cdecl("infalign_transform_table_points")
public func infalign_transform_table_points(_ transform: OpaquePointer?, _ points: UnsafeMutablePointer<Int64>?) -> Int32 {
  abiCall("infalign_transform_table_points") {
    let out = try Buffers.required(points, "points")
    let t = try TransformHandle.transform(transform)
    if case let .tabulated(table) = t.kind { out.pointee = Int64(table.grid.count) } else { out.pointee = 0 }
  }
}

/// `int32_t infalign_transform_table_copy(const infalign_transform *, double *grid, double *values,
/// int64_t points)`: copies a table transform's grid and values; `points` must be its size.
@_cdecl("infalign_transform_table_copy")
public func infalign_transform_table_copy(
  _ transform: OpaquePointer?, _ grid: UnsafeMutablePointer<Double>?, _ values: UnsafeMutablePointer<Double>?,
  _ points: Int64
) -> Int32 {
  abiCall("infalign_transform_table_copy") {
    let t = try TransformHandle.transform(transform)
    guard case let .tabulated(table) = t.kind else { throw BoundaryError("transform \(t) is not a table") }
    let n = try Buffers.count(points, "points")
    guard n == table.grid.count else { throw BoundaryError("points = \(n), the table has \(table.grid.count)") }
    let g = try Buffers.output(grid, n, "grid"), v = try Buffers.output(values, n, "values")
    for i in 0..<n {
      g[i] = table.grid[i]
      v[i] = table.values[i]
    }
  }
}

/// Φ applied in place to `count` values.
func applyTransform<T: BLASScalar>(
  _ function: StaticString, _ transform: OpaquePointer?, _ values: UnsafeMutablePointer<T>?, _ count: Int64
) -> Int32 {
  abiCall(function) {
    let t = try TransformHandle.transform(transform)
    t.apply(to: try Buffers.output(values, try Buffers.count(count, "count"), "values"))
  }
}

/// `int32_t infalign_transform_apply_f64(const infalign_transform *, double *values, int64_t count)`: in place.
@_cdecl("infalign_transform_apply_f64")
public func infalign_transform_apply_f64(_ t: OpaquePointer?, _ values: UnsafeMutablePointer<Double>?, _ count: Int64)
  -> Int32
{ applyTransform("infalign_transform_apply_f64", t, values, count) }

/// `int32_t infalign_transform_apply_f32(const infalign_transform *, float *values, int64_t count)`: in place.
@_cdecl("infalign_transform_apply_f32")
public func infalign_transform_apply_f32(_ t: OpaquePointer?, _ values: UnsafeMutablePointer<Float>?, _ count: Int64)
  -> Int32
{ applyTransform("infalign_transform_apply_f32", t, values, count) }
