#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import InfAlignSolvers
import InfAlignText

/// The status code every function of the C ABI returns (`include/infalign.h`, `INFALIGN_*`): 0 on success, else
/// the kind of failure, with the message in ``infalign_last_error()``.
///
/// The codes follow ``InfAlignError``'s cases (so a caller can branch on the kind without parsing text), plus
/// ``argument`` for misuse caught at the boundary (a NULL pointer, a negative length, a handle of the wrong kind):
/// the misuse a Swift caller meets as a `precondition` is a status code here, never a trap.
enum Status: Int32 {
  case ok = 0
  /// ``InfAlignError/parse(kind:text:reason:)``: text that is not a transform, procedure, option, ….
  case parse = 1
  /// ``InfAlignError/invalidParameter(name:value:reason:)``.
  case invalidParameter = 2
  /// ``InfAlignError/math(_:)``: a failure of the numerical core (no convergence, …).
  case math = 3
  /// ``InfAlignError/nonFinite(field:prompt:index:value:)``: a NaN or ±∞ input, naming field, prompt and index.
  case nonFinite = 4
  /// ``InfAlignError/emptyReferences(prompt:count:)``.
  case emptyReferences = 5
  /// ``InfAlignError/shapeMismatch(_:)``: counts or offsets that do not describe the data.
  case shape = 6
  /// Misuse at the boundary: NULL pointer, negative or overflowing length, wrong handle kind or element type.
  case argument = 7

  init(_ error: InfAlignError) {
    switch error {
    case .parse: self = .parse
    // A KL budget out of reach is a parameter outside the range β can reach.
    case .invalidParameter, .klBudgetOutOfReach: self = .invalidParameter
    case .math: self = .math
    case .nonFinite: self = .nonFinite
    case .emptyReferences: self = .emptyReferences
    case .shapeMismatch: self = .shape
    }
  }
}

/// Misuse of the C ABI detected at the boundary, reported as ``Status/argument``.
struct BoundaryError: Error {
  let message: String
  /// The message on one line: control characters of caller text it quotes (an option key with a newline) are
  /// escaped, as the library's own errors are.
  init(_ message: String) { self.message = oneLineText(message) }
}

/// Runs `body` for the C function `function`: 0 when it returns, else the failure's status code, with its message
/// stored as this thread's last error. Library errors keep their own text (it names the prompt, sample and field);
/// boundary errors are prefixed with the function's name.
@inline(__always)
func abiCall(_ function: StaticString, _ body: () throws -> Void) -> Int32 {
  do {
    try body()
    return Status.ok.rawValue
  } catch let error as InfAlignError {
    LastError.set(error.description)
    return Status(error).rawValue
  } catch let error as BoundaryError {
    LastError.set("\(function): \(error.message)")
    return Status.argument.rawValue
  } catch {
    LastError.set("\(function): \(error)")
    return Status.argument.rawValue
  }
}

/// The per-thread message of the last failed call, in `malloc`ed memory owned by the thread (freed when the thread
/// exits or the next failure replaces it).
enum LastError {
  private static let key: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { free($0) }
    return key
  }()

  static func set(_ message: String) {
    let old = pthread_getspecific(key)
    pthread_setspecific(key, strdup(message))
    free(old)
  }

  /// The current thread's message ("" before any failure). Valid until this thread's next failing call.
  static func current() -> UnsafePointer<CChar> {
    if let p = pthread_getspecific(key) { return UnsafePointer(p.assumingMemoryBound(to: CChar.self)) }
    set("")
    return UnsafePointer(pthread_getspecific(key)!.assumingMemoryBound(to: CChar.self))
  }
}

/// The version of the C ABI this library implements (`INFALIGN_ABI_VERSION` in the header it was built with).
/// A caller built against another version should refuse to run.
let abiVersion: Int32 = 1

/// `int32_t infalign_abi_version(void)`.
@_cdecl("infalign_abi_version")
public func infalign_abi_version() -> Int32 { abiVersion }

/// The library's release version, as the repository's `VERSION` file has it (`make c-test` and the Python tests
/// check that they agree). A literal, so its UTF-8 is static and NUL-terminated: ``infalign_version()`` hands out
/// its address.
let libraryVersion: StaticString = "0.2.0"

/// `const char *infalign_version(void)`: the library's release version ("0.2.0"), static storage, never freed.
@_cdecl("infalign_version")
public func infalign_version() -> UnsafePointer<CChar> {
  UnsafeRawPointer(libraryVersion.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// `const char *infalign_last_error(void)`: the message of this thread's last failed call.
@_cdecl("infalign_last_error")
public func infalign_last_error() -> UnsafePointer<CChar> { LastError.current() }
