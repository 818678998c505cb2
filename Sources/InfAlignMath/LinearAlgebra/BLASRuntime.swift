import CInfAlignBLAS
import CInfAlignSIMD

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the process's OpenBLAS is and which kernel it runs, and the kernel it should run on this CPU.
///
/// OpenBLAS built with `DYNAMIC_ARCH` (Debian's, numpy's) picks a kernel ("core") for the CPU when the library
/// loads. Older releases do not know newer CPUs and fall back to a generic SSE3 core (`Prescott`): Debian's 0.3.21
/// on an Intel family 6 model 207 (AVX-512) runs GEMM 4–5× slower than it can. The environment variable
/// `OPENBLAS_CORETYPE` overrides the choice, but only when set before the library loads, i.e. before the process
/// starts. The `infalign` executable does that itself (it re-executes once with the variable set); a program using
/// this library should launch with it set, e.g. `OPENBLAS_CORETYPE=SkylakeX ./app` (``recommendedCore`` names the
/// core for this machine, and `infalign doctor` prints the line).
public struct BLASRuntime: Sendable {
  /// OpenBLAS's build description, e.g. `OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64`.
  public let configuration: String
  /// The version from ``configuration`` (e.g. `0.3.21`), or `nil` when it does not start with "OpenBLAS".
  public let version: String?
  /// The core (kernel family) OpenBLAS runs, e.g. `Prescott`, `Haswell`, `SkylakeX`, `Cooperlake`.
  public let coreName: String
  /// OpenBLAS's own thread count (`OPENBLAS_NUM_THREADS`, else its default); separate from ``Threads/count``.
  public let threads: Int
  /// The shared library the BLAS symbols come from, when the loader can tell.
  public let libraryPath: String?
  /// This CPU's vector features (`INFALIGN_CPU_…` bits).
  package let cpuFeatures: UInt32
  /// `OPENBLAS_CORETYPE` as set in the environment, if it is.
  public let coreTypeOverride: String?

  /// A description from its parts (tests; ``current`` reads the process's).
  package init(
    configuration: String, version: String?, coreName: String, threads: Int, libraryPath: String?, cpuFeatures: UInt32,
    coreTypeOverride: String?
  ) {
    self.configuration = configuration
    self.version = version
    self.coreName = coreName
    self.threads = threads
    self.libraryPath = libraryPath
    self.cpuFeatures = cpuFeatures
    self.coreTypeOverride = coreTypeOverride
  }

  /// The process's OpenBLAS, read now.
  public static var current: BLASRuntime {
    let configuration = String(cString: openblas_get_config())
    let words = configuration.split(separator: " ")
    return BLASRuntime(
      configuration: configuration,
      version: words.first == "OpenBLAS" && words.count > 1 ? String(words[1]) : nil,
      coreName: String(cString: openblas_get_corename()),
      threads: Int(openblas_get_num_threads()),
      libraryPath: libraryPath(),
      cpuFeatures: infalign_cpu_vector_features(),
      coreTypeOverride: getenv("OPENBLAS_CORETYPE").map { String(cString: $0) })
  }

  /// The vector level of an OpenBLAS core: 3 for AVX-512 kernels, 2 for AVX2 (+FMA), 1 for AVX, 0 for SSE-only
  /// and unknown cores (`Prescott`, `Core2`, `Nehalem`, `Barcelona`, …); matching is case-insensitive.
  package static func coreLevel(_ core: String) -> Int {
    switch core.lowercased() {
    case "skylakex", "cooperlake", "sapphirerapids": 3
    case "haswell", "zen", "zen2", "zen3", "zen4", "zen5": 2
    case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": 1
    default: 0
    }
  }

  /// The widest vector level this CPU supports, on the scale of ``coreLevel`` (3 AVX-512, 2 AVX2 + FMA, 1 AVX, 0 SSE).
  public var cpuLevel: Int { Self.cpuLevel(features: cpuFeatures) }

  /// The level of ``coreName``.
  public var coreLevel: Int { Self.coreLevel(coreName) }

  /// True when OpenBLAS runs a core narrower than this CPU's AVX2 or AVX-512 (a generic fallback such as
  /// `Prescott` on a modern CPU): GEMM then runs several times slower than it can.
  public var isGenericCore: Bool { cpuLevel >= 2 && coreLevel < cpuLevel }

  /// The core OpenBLAS should run on this CPU when ``isGenericCore``: `Cooperlake` (AVX-512 with BF16),
  /// `SkylakeX` (AVX-512F/BW/VL/DQ/CD) or `Haswell` (AVX2 + FMA) — each present in every `DYNAMIC_ARCH` build
  /// since OpenBLAS 0.3.10 (`Cooperlake`) or earlier. `nil` when the running core is already as wide as the CPU.
  public var recommendedCore: String? {
    guard isGenericCore else { return nil }
    return Self.bestCore(features: cpuFeatures)
  }

  /// The widest core name for a set of `INFALIGN_CPU_…` features, or `nil` below AVX2 + FMA.
  package static func bestCore(features: UInt32) -> String? {
    switch cpuLevel(features: features) {
    case 3: features & INFALIGN_CPU_AVX512BF16 != 0 ? "Cooperlake" : "SkylakeX"
    case 2: "Haswell"
    default: nil
    }
  }

  /// 3 when the CPU has the AVX-512 subsets OpenBLAS's SkylakeX kernels use, 2 for AVX2 + FMA, 1 for AVX, else 0.
  package static func cpuLevel(features: UInt32) -> Int {
    func has(_ flags: UInt32) -> Bool { features & flags == flags }
    let avx2 = INFALIGN_CPU_AVX2 | INFALIGN_CPU_FMA
    let avx512 = INFALIGN_CPU_AVX512F | INFALIGN_CPU_AVX512BW | INFALIGN_CPU_AVX512VL | INFALIGN_CPU_AVX512DQ
      | INFALIGN_CPU_AVX512CD
    if has(avx2 | avx512) { return 3 }
    if has(avx2) { return 2 }
    if has(INFALIGN_CPU_AVX) { return 1 }
    return 0
  }

  /// The path of the shared object that defines `openblas_get_config`.
  static func libraryPath() -> String? {
    let symbol: @convention(c) () -> UnsafeMutablePointer<CChar>? = openblas_get_config
    return infalign_shared_object_path(unsafeBitCast(symbol, to: UnsafeRawPointer.self)).map { String(cString: $0) }
  }
}
