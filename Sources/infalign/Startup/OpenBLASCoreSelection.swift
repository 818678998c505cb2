import Foundation
import InfAlignSolvers

/// Makes the `infalign` executable run OpenBLAS's best kernel for the CPU.
///
/// OpenBLAS chooses its core when the library loads, before `main`, reading `OPENBLAS_CORETYPE` then; an
/// executable linked against it cannot run code earlier (shared libraries' constructors run before the
/// executable's). So when OpenBLAS fell back to a core narrower than the CPU (``BLASRuntime/isGenericCore``) and
/// the user has not set `OPENBLAS_CORETYPE`, the process sets it to ``BLASRuntime/recommendedCore`` and
/// re-executes itself once (same arguments, same open files), which costs a few milliseconds of start-up only on
/// such machines. `INFALIGN_OPENBLAS_DETECTED` records the core OpenBLAS had picked, for `infalign doctor`; set
/// `OPENBLAS_CORETYPE` yourself (to any core) to turn this off.
enum OpenBLASCoreSelection {
  /// Environment variable the re-executed process carries: the core OpenBLAS detected before the override.
  static let detectedVariable = "INFALIGN_OPENBLAS_DETECTED"

  /// The core to re-execute with, or `nil` to run as is: only when the user set neither `OPENBLAS_CORETYPE` nor
  /// (through an earlier re-execution) ``detectedVariable``, and OpenBLAS runs a generic core.
  static func plan(environment: [String: String], runtime: BLASRuntime) -> String? {
    if environment["OPENBLAS_CORETYPE"] != nil || environment[detectedVariable] != nil { return nil }
    return runtime.recommendedCore
  }

  /// Called first in `main`: re-executes with the better core when ``plan(environment:runtime:)`` says so; returns
  /// (and runs as is) when it does not, or when re-executing fails.
  static func applyAtStartup() {
    #if os(Linux)
    let runtime = BLASRuntime.current
    guard let core = plan(environment: ProcessInfo.processInfo.environment, runtime: runtime) else { return }
    setenv("OPENBLAS_CORETYPE", core, 1)
    setenv(detectedVariable, runtime.coreName, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    // Only reached when exec failed (e.g. no /proc): run with the core OpenBLAS chose.
    unsetenv("OPENBLAS_CORETYPE")
    unsetenv(detectedVariable)
    #endif
  }
}
