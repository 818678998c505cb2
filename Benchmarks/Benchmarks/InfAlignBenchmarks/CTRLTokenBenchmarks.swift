import Benchmark
import InfAlignSolvers

/// The token-level CTRL step (1,024 groups × 16 samples × 64 tokens, response lengths 1…64 through the mask,
/// group calibration, `exp:3`, all KL outputs) on one and two threads: the staged path that checks and visits
/// every token. A constant number of allocations per call (the workers' workspaces, the block totals, the pool's
/// job context), never per group, sample or token. Its validation stage used to build a text suffix per token for
/// an error it rarely threw: no allocation (the suffix fit a small string), but the step at 4,096 × 16 × 128 took
/// 515 ms instead of 189 ms. The wall clock here is where such a cost shows.
func ctrlTokenBenchmarks() {
  let groups = 1024, g = 16, nt = 64, n = groups * g, ntok = n * nt
  let rewards: [Double] = normals(n, seed: 10)
  let logp: [Double] = normals(ntok, seed: 11).map { $0 - 5 }
  let logr: [Double] = normals(ntok, seed: 12).map { $0 - 5 }
  let lengths: [Double] = normals(n, seed: 13)
  let mask = (0..<ntok).map { jt in
    Double(jt % nt) < Swift.min(Double(nt), Swift.max(1, (32 + 16 * lengths[jt / nt]).rounded()))
  }
  for threads in [1, 2] {
    Benchmark("CTRLStep-tokens-G16-groups1024-T64-Double\(threadsSuffix(threads))") { benchmark in
      var outputs = try CTRLOutputArrays<Double>(
        groups: groups, groupSize: g, maxTokens: nt, k1: true, k2: true, k3: true)
      let options = CTRLOptions(transform: try .exponential(rate: 3))
      benchmark.startMeasurement()
      for _ in benchmark.scaledIterations {
        blackHole(try CTRLStep.run(
          groups: groups, groupSize: g, maxTokens: nt, rewards: rewards.span, policyLogProbs: logp.span,
          referenceLogProbs: logr.span, mask: mask.span, calibration: .group, options: options, into: &outputs,
          threads: threads))
      }
      benchmark.stopMeasurement()
    }
  }
}
