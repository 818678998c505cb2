import Benchmark
import InfAlignSolvers

/// Hot-loop benchmarks. Wall clock and throughput are for people; `mallocCountTotal` is what CI gates on
/// (`Thresholds/`): steady-state loops over caller-owned buffers must not allocate. Names are shell-safe
/// (letters, digits, `-`, `.`): the benchmark tool writes threshold files under sanitized names but looks them up
/// under the raw name, so a name with spaces would never be checked.
let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal],
    warmupIterations: 1,
    scalingFactor: .one,
    maxDuration: .seconds(2),
    maxIterations: 20
  )
  // Kernels called without `threads:` use the process-wide count, which defaults to the machine's cores: pin it so
  // that allocation counts (one per threaded call) do not depend on the CI machine.
  Threads.count = 2
  rowSortBenchmarks()
  calibrationBenchmarks()
  reductionBenchmarks()
  gemmBenchmarks()
  analysisBenchmarks()
  ctrlStepBenchmarks()
  ctrlPresetBenchmarks()
  ctrlTokenBenchmarks()
  optimalTransformBenchmarks()
  policyBenchmarks()
  empiricalWinRateBenchmarks()
}

/// Seeded standard normal data.
func normals<T: BLASScalar>(_ count: Int, seed: UInt64 = 1) -> [T] {
  var g = Xoshiro256StarStar(seed: seed)
  return Random.normals(count: count, using: &g)
}
