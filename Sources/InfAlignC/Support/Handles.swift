import InfAlignSolvers

/// An object handed to C as an opaque pointer (`infalign_transform *`, …): retained when created, released by the
/// matching `*_free` function. Every handle records its kind, so one of the wrong kind is refused with a message
/// rather than misread.
class Handle {
  class var kind: String { "handle" }

  /// The retained opaque pointer for C.
  final func retained() -> OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

  /// The handle behind `pointer`, which must be of kind `H`.
  static func resolve<H: Handle>(_ pointer: OpaquePointer?, as _: H.Type, _ name: String) throws(BoundaryError) -> H {
    guard let pointer else { throw BoundaryError("\(name) is NULL") }
    let object = Unmanaged<Handle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    guard let handle = object as? H else {
      throw BoundaryError("\(name) is a \(type(of: object).kind) handle, not a \(H.kind)")
    }
    return handle
  }

  /// An optional handle: NULL gives nil.
  static func resolveOptional<H: Handle>(_ pointer: OpaquePointer?, as type: H.Type, _ name: String)
    throws(BoundaryError) -> H?
  {
    guard pointer != nil else { return nil }
    return try resolve(pointer, as: type, name)
  }

  /// Releases the handle behind `pointer` (NULL is a no-op) after checking its kind.
  static func free<H: Handle>(_ pointer: OpaquePointer?, as type: H.Type) throws(BoundaryError) {
    guard pointer != nil else { return }
    _ = try resolve(pointer, as: type, "handle")
    Unmanaged<Handle>.fromOpaque(UnsafeRawPointer(pointer!)).release()
  }

  /// Stores a new handle into `*out`.
  static func hand(_ handle: Handle, to out: UnsafeMutablePointer<OpaquePointer?>) { out.pointee = handle.retained() }

  /// The `*_parse` functions: the handle `make` builds from the NUL-terminated `text`, stored into `*out`.
  static func parse(
    _ text: UnsafePointer<CChar>?, into out: UnsafeMutablePointer<OpaquePointer?>?, _ make: (String) throws -> Handle
  ) throws {
    let out = try Buffers.required(out, "out")
    hand(try make(try Buffers.text(text, "text")), to: out)
  }

  /// The `*_describe` functions: copies the text form of the handle behind `pointer` (see ``Buffers/copy``).
  static func describe<H: Handle & CustomStringConvertible>(
    _ pointer: OpaquePointer?, as type: H.Type, _ name: String, to buffer: UnsafeMutablePointer<CChar>?,
    capacity: Int64, length: UnsafeMutablePointer<Int64>?
  ) throws(BoundaryError) {
    try Buffers.copy(try resolve(pointer, as: type, name).description, to: buffer, capacity: capacity, length: length)
  }
}

/// `infalign_transform`: an immutable ``Transform``.
final class TransformHandle: Handle, CustomStringConvertible {
  override class var kind: String { "transform" }
  let transform: Transform
  init(_ transform: Transform) { self.transform = transform }
  var description: String { transform.description }
}

/// `infalign_procedure`: an immutable ``Procedure``.
final class ProcedureHandle: Handle, CustomStringConvertible {
  override class var kind: String { "procedure" }
  let procedure: Procedure
  init(_ procedure: Procedure) { self.procedure = procedure }
  var description: String { procedure.description }
}

/// `infalign_table`: an immutable ``CalibrationTable`` of `float` or `double` references.
final class TableHandle: Handle {
  override class var kind: String { "calibration table" }
  enum Storage {
    case float(CalibrationTable<Float>)
    case double(CalibrationTable<Double>)
  }
  let storage: Storage
  init(_ storage: Storage) { self.storage = storage }

  var promptCount: Int {
    switch storage {
    case let .float(t): return t.promptCount
    case let .double(t): return t.promptCount
    }
  }

  var elementName: String {
    switch storage {
    case .float: return "float"
    case .double: return "double"
    }
  }
}
