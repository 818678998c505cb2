import CInfAlignSIMD

/// The vector instruction set the width-bound row kernels use: chosen once per process from the CPU.
///
/// Swift code in this library is compiled for baseline x86-64 (SSE2, 128-bit vectors), because a library cannot
/// impose `-mavx2` on the packages that use it. The kernels whose speed is set by vector width (the shifted
/// exp-sum under log-sum-exp, softmax, log-softmax and the CTRL step, and the direct mid-rank counts of one-shot
/// calibration) also exist in C compiled for AVX2 + FMA and AVX-512F (`CInfAlignSIMD`), and this picks the
/// widest one the CPU and OS support, as numpy and OpenBLAS do.
///
/// Set the environment variable `INFALIGN_SIMD` to `baseline`, `avx2` or `avx512` to cap the choice (for
/// benchmarks side by side, or to reproduce another machine's rounding); a cap above what the machine supports
/// is ignored. Results agree across levels to the kernels' stated accuracy (each exp term ≤ 2 ulp; mid-rank
/// counts exactly), but not bit for bit: sums are accumulated in a different order and FMA rounds once.
public enum VectorISA: Int32, Sendable, Comparable, CaseIterable, CustomStringConvertible {
  /// The portable Swift SIMD path (SSE2 width on x86-64; NEON on arm64).
  case baseline = 0
  /// 256-bit AVX2 with fused multiply-add.
  case avx2 = 1
  /// 512-bit AVX-512F.
  case avx512 = 2

  /// The widest level this CPU and OS support.
  public static let detected = VectorISA(rawValue: infalign_simd_detected_level()) ?? .baseline

  /// The level in use: ``detected``, capped by `INFALIGN_SIMD` when that is set.
  public static let active = VectorISA(rawValue: infalign_simd_level()) ?? .baseline

  /// Every level this machine can run, from baseline up to ``detected`` (for tests that check each path).
  public static var available: [VectorISA] { allCases.filter { $0 <= detected } }

  public static func < (a: VectorISA, b: VectorISA) -> Bool { a.rawValue < b.rawValue }

  /// The level argument of the `CInfAlignSIMD` kernels. Calling a kernel at a level this CPU lacks would execute
  /// illegal instructions, so that is a programmer error, checked here once for every wide kernel.
  @inlinable
  var kernelLevel: Int32 {
    precondition(self <= VectorISA.detected, "\(self) is not supported by this CPU (detected: \(VectorISA.detected))")
    return rawValue
  }

  /// `baseline`, `avx2` or `avx512`: the names `INFALIGN_SIMD` takes.
  public var description: String {
    switch self {
    case .baseline: "baseline"
    case .avx2: "avx2"
    case .avx512: "avx512"
    }
  }
}
