import CInfAlignSIMD
import InfAlignMath
import Testing

private let avx2 = INFALIGN_CPU_AVX | INFALIGN_CPU_AVX2 | INFALIGN_CPU_FMA
private let avx512 = avx2 | INFALIGN_CPU_AVX512F | INFALIGN_CPU_AVX512BW | INFALIGN_CPU_AVX512VL
  | INFALIGN_CPU_AVX512DQ | INFALIGN_CPU_AVX512CD

private func runtime(core: String, features: UInt32) -> BLASRuntime {
  BLASRuntime(
    configuration: "OpenBLAS 0.3.21 DYNAMIC_ARCH \(core)", version: "0.3.21", coreName: core, threads: 1,
    libraryPath: nil, cpuFeatures: features, coreTypeOverride: nil)
}

/// The process's OpenBLAS reports a build string, a core name and a thread count.
@Test func currentRuntimeDescribesOpenBLAS() {
  let blas = BLASRuntime.current
  #expect(blas.configuration.hasPrefix("OpenBLAS"))
  #expect(blas.version?.first?.isNumber == true)
  #expect(!blas.coreName.isEmpty)
  #expect(blas.threads >= 1)
  #expect(blas.libraryPath?.contains("openblas") == true)
}

/// CPU levels from feature bits: AVX-512 needs all five subsets (plus AVX2 + FMA).
@Test func cpuLevelsFromFeatures() {
  #expect(BLASRuntime.cpuLevel(features: 0) == 0)
  #expect(BLASRuntime.cpuLevel(features: INFALIGN_CPU_AVX) == 1)
  #expect(BLASRuntime.cpuLevel(features: INFALIGN_CPU_AVX | INFALIGN_CPU_AVX2) == 1)  // no FMA
  #expect(BLASRuntime.cpuLevel(features: avx2) == 2)
  #expect(BLASRuntime.cpuLevel(features: avx2 | INFALIGN_CPU_AVX512F) == 2)
  #expect(BLASRuntime.cpuLevel(features: avx512) == 3)
}

/// A generic core on an AVX-512 CPU (the Debian 0.3.21 case) is flagged and replaced by the widest core; a core
/// as wide as the CPU, or a CPU without AVX2, is left alone.
@Test func genericCoreIsFlaggedAndReplaced() {
  let emeraldRapids = runtime(core: "Prescott", features: avx512 | INFALIGN_CPU_AVX512BF16)
  #expect(emeraldRapids.isGenericCore)
  #expect(emeraldRapids.recommendedCore == "Cooperlake")
  #expect(runtime(core: "Prescott", features: avx512).recommendedCore == "SkylakeX")
  #expect(runtime(core: "Haswell", features: avx512).recommendedCore == "SkylakeX")
  #expect(runtime(core: "Nehalem", features: avx2).recommendedCore == "Haswell")
  for (core, features) in [("Cooperlake", avx512), ("SkylakeX", avx512), ("Zen", avx2), ("Prescott", INFALIGN_CPU_AVX),
                           ("Haswell", avx2)] {
    #expect(!runtime(core: core, features: features).isGenericCore, "\(core)")
    #expect(runtime(core: core, features: features).recommendedCore == nil, "\(core)")
  }
  #expect(BLASRuntime.coreLevel("cooperlake") == 3)
  #expect(BLASRuntime.coreLevel("Unknown") == 0)
}
