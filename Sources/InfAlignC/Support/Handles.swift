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
}

/// `infalign_transform`: an immutable ``Transform``.
final class TransformHandle: Handle {
  override class var kind: String { "transform" }
  let transform: Transform
  init(_ transform: Transform) { self.transform = transform }
}

/// `infalign_procedure`: an immutable ``Procedure``.
final class ProcedureHandle: Handle {
  override class var kind: String { "procedure" }
  let procedure: Procedure
  init(_ procedure: Procedure) { self.procedure = procedure }
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
