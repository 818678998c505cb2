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
      let out = UnsafeMutableBufferPointer<Double>.allocate(capacity: n + 4 * ntok)
      defer { out.deallocate() }
      out.initialize(repeating: 0)
      func slice(_ start: Int, _ count: Int) -> UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(rebasing: out[start..<(start + count)])
      }
      let outputs = CTRLOutputs(
        advantages: slice(0, n), lossGradient: slice(n, ntok), k1: slice(n + ntok, ntok),
        k2: slice(n + 2 * ntok, ntok), k3: slice(n + 3 * ntok, ntok))
      let options = CTRLOptions(transform: try .exponential(rate: 3))
      try rewards.withUnsafeBufferPointer { (r) throws(InfAlignError) in
        try logp.withUnsafeBufferPointer { (lp) throws(InfAlignError) in
          try logr.withUnsafeBufferPointer { (lr) throws(InfAlignError) in
            try mask.withUnsafeBufferPointer { (m) throws(InfAlignError) in
              let tokens = CTRLTokens(maxTokens: nt, policyLogProbs: lp, referenceLogProbs: lr, mask: m)
              benchmark.startMeasurement()
              for _ in benchmark.scaledIterations {
                blackHole(try CTRLStep.run(
                  groups: groups, groupSize: g, rewards: r, tokens: tokens, calibration: .group, options: options,
                  outputs: outputs, threads: threads))
              }
              benchmark.stopMeasurement()
            }
          }
        }
      }
    }
  }
}
