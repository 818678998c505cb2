import ArgumentParser
import Foundation
import InfAlignSolvers

/// `infalign doctor`: what this machine and build will run: CPU, vector kernels, threads, and OpenBLAS (library,
/// version, core, threads), flagging a generic BLAS core on a CPU with AVX2 or AVX-512.
struct DoctorCommand: RenderingCommand {
  static let configuration = CommandConfiguration(
    commandName: "doctor",
    abstract: "Report the CPU, vector kernels, thread count and OpenBLAS build and core; flag a slow generic core.",
    discussion: """
      OpenBLAS picks its kernel ("core") when it loads; old releases fall back to a generic SSE3 core (Prescott) on
      CPUs they do not know, and GEMM then runs several times slower. infalign sets OPENBLAS_CORETYPE for itself
      in that case; programs using the library should set it at launch (the line is printed here).
      """)

  @Option(help: "Output format: text or json.")
  var format: OutputFormat = .text

  func validate() throws {
    if format == .csv { throw ValidationError("doctor prints text or json") }
  }

  func execute(into output: inout some TextOutputStream) throws {
    let blas = BLASRuntime.current
    let environment = ProcessInfo.processInfo.environment
    let detected = environment[OpenBLASCoreSelection.detectedVariable]
    let coreSource: String
    if let detected {
      coreSource = "set by infalign: OpenBLAS detected \(detected)"
    } else if blas.coreTypeOverride != nil {
      coreSource = "OPENBLAS_CORETYPE=\(blas.coreTypeOverride!)"
    } else {
      coreSource = "detected by OpenBLAS"
    }
    let status: String
    if blas.isGenericCore, let core = blas.recommendedCore {
      status = "slow: OpenBLAS runs the generic core \(blas.coreName) on a CPU with \(Self.levelName(blas.cpuLevel)); "
        + "GEMM runs several times slower. Start programs with OPENBLAS_CORETYPE=\(core)"
    } else {
      status = "ok"
    }
    let rows: [(String, Field)] = [
      ("cpu", .string(Self.cpuModel() ?? "unknown")),
      ("cpu_vector_level", .string(Self.levelName(blas.cpuLevel))),
      ("simd_kernels", .string(VectorISA.active.description)),
      ("threads", .integer(Threads.count)),
      ("threads_source", .string(Threads.environmentValue != nil ? "INFALIGN_NUM_THREADS" : "available cores")),
      ("available_cores", .integer(Threads.availableCores)),
      ("blas_library", .string(blas.libraryPath.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path } ?? "unknown")),
      ("blas_version", .string(blas.version ?? "unknown")),
      ("blas_config", .string(blas.configuration)),
      ("blas_core", .string(blas.coreName)),
      ("blas_core_source", .string(coreSource)),
      ("blas_threads", .integer(blas.threads)),
      ("blas_generic_core", .string(blas.isGenericCore ? "yes" : "no")),
      ("status", .string(status)),
    ]
    switch format {
    case .json:
      output.write("{" + rows.map { "\(Field.jsonString($0.0)):\($0.1.json)" }.joined(separator: ",") + "}\n")
    default:
      let width = rows.map(\.0.count).max() ?? 0
      for (key, value) in rows {
        output.write(key + String(repeating: " ", count: width - key.count + 2) + value.text + "\n")
      }
    }
  }

  static func levelName(_ level: Int) -> String {
    switch level {
    case 3: "AVX-512"
    case 2: "AVX2"
    case 1: "AVX"
    default: "SSE"
    }
  }

  /// The "model name" line of /proc/cpuinfo (Linux), or `nil`.
  static func cpuModel() -> String? {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
      if let colon = line.firstIndex(of: ":") { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
    }
    return nil
  }
}
