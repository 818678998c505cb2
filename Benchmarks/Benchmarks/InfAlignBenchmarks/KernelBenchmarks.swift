import Benchmark
import InfAlignSolvers

func rowSortBenchmarks() {
  for (name, sort) in [("Float", sortRows(Float.self)), ("Double", sortRows(Double.self))] {
    Benchmark("RowSort-1024x1024-\(name)") { benchmark in
      for _ in benchmark.scaledIterations { sort(benchmark) }
    }
  }
}

/// Sorting a fresh copy of the same rows each iteration; the copy goes into a buffer allocated once.
private func sortRows<T: BLASScalar>(_: T.Type) -> @Sendable (Benchmark) -> Void {
  let n = 1024
  let pristine: [T] = normals(n * n)
  return { benchmark in
    let work = UnsafeMutableBufferPointer<T>.allocate(capacity: n * n)
    defer { work.deallocate() }
    _ = work.initialize(from: pristine)
    benchmark.startMeasurement()
    try! RowSort.sortRows(work, rows: n, columns: n)
    benchmark.stopMeasurement()
  }
}

func calibrationBenchmarks() {
  let b = 1024, m = 1024, k = 16
  let refs: [Double] = normals(b * m, seed: 2)
  let queries: [Double] = normals(b * k, seed: 3)
  Benchmark("Calibrate-B1024-M1024-K16-build-and-search") { benchmark in
    var out = [Double](repeating: 0, count: b * k)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
      try refs.withUnsafeBufferPointer { (r) throws(InfAlignError) in
        let table = try CalibrationTable(references: r, rows: b, columns: m)
        try queries.withUnsafeBufferPointer { (q) throws(InfAlignError) in
          try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
            try table.calibrate(queries: q, columns: k, into: o, threads: 1)
          }
        }
      }
    }
    blackHole(out)
  }
  for threads in [1, 2] {
    Benchmark("Calibrate-B1024-M1024-K16-one-shot\(threadsSuffix(threads))") { benchmark in
      // The one-shot path (direct SIMD counts, no sort for K ≤ 64): what `infalign calibrate` runs.
      var out = [Double](repeating: 0, count: b * k)
      try refs.withUnsafeBufferPointer { (r) throws(InfAlignError) in
        try queries.withUnsafeBufferPointer { (q) throws(InfAlignError) in
          try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
              try OneShotCalibration.calibrate(
                references: r, referenceColumns: m, queries: q, queryColumns: k, rows: b, into: o, threads: threads)
            }
            benchmark.stopMeasurement()
          }
        }
      }
      blackHole(out)
    }
    Benchmark("Calibrate-B1024-M1024-K16-reused-table\(threadsSuffix(threads))") { benchmark in
      let table = try refs.withUnsafeBufferPointer { (r) throws(InfAlignError) in
        try CalibrationTable(references: r, rows: b, columns: m)
      }
      var out = [Double](repeating: 0, count: b * k)
      try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
        try queries.withUnsafeBufferPointer { (q) throws(InfAlignError) in
          benchmark.startMeasurement()
          for _ in benchmark.scaledIterations { try table.calibrate(queries: q, columns: k, into: o, threads: threads) }
          benchmark.stopMeasurement()
        }
      }
      blackHole(out)
    }
  }
}

func reductionBenchmarks() {
  let rows = 4096, cols = 1024
  for (name, x) in [("Double", normals(rows * cols) as [Double])] {
    for threads in [1, 2] {
      Benchmark("logSumExp-4096x1024-\(name)\(threadsSuffix(threads))") { benchmark in
        var out = [Double](repeating: 0, count: rows)
        x.withUnsafeBufferPointer { xb in
          out.withUnsafeMutableBufferPointer { o in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
              RowReductions.logSumExp(xb, rows: rows, columns: cols, into: o, threads: threads)
            }
            benchmark.stopMeasurement()
          }
        }
        blackHole(out)
      }
      Benchmark("softmax-4096x1024-\(name)\(threadsSuffix(threads))") { benchmark in
        var out = [Double](repeating: 0, count: rows * cols)
        try x.withUnsafeBufferPointer { (xb) throws(MathError) in
          try out.withUnsafeMutableBufferPointer { (o) throws(MathError) in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
              try RowReductions.softmax(xb, rows: rows, columns: cols, into: o, threads: threads)
            }
            benchmark.stopMeasurement()
          }
        }
        blackHole(out)
      }
    }
    Benchmark("logSoftmax-4096x1024-\(name)") { benchmark in
      var out = [Double](repeating: 0, count: rows * cols)
      try x.withUnsafeBufferPointer { (xb) throws(MathError) in
        try out.withUnsafeMutableBufferPointer { (o) throws(MathError) in
          benchmark.startMeasurement()
          for _ in benchmark.scaledIterations {
            try RowReductions.logSoftmax(xb, rows: rows, columns: cols, into: o, threads: 1)
          }
          benchmark.stopMeasurement()
        }
      }
      blackHole(out)
    }
  }
  let xf: [Float] = normals(rows * cols)
  Benchmark("logSumExp-4096x1024-Float") { benchmark in
    var out = [Float](repeating: 0, count: rows)
    xf.withUnsafeBufferPointer { xb in
      out.withUnsafeMutableBufferPointer { o in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
          RowReductions.logSumExp(xb, rows: rows, columns: cols, into: o, threads: 1)
        }
        benchmark.stopMeasurement()
      }
    }
    blackHole(out)
  }
}

func gemmBenchmarks() {
  let n = 512
  let a = Matrix<Double>(rows: n, columns: n, storage: normals(n * n, seed: 4))
  let b = Matrix<Double>(rows: n, columns: n, storage: normals(n * n, seed: 5))
  Benchmark("GEMM-512-Double") { benchmark in
    var c = Matrix<Double>(rows: n, columns: n)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations { BLAS.gemm(a, b, into: &c) }
    benchmark.stopMeasurement()
    blackHole(c)
  }
}

func analysisBenchmarks() {
  Benchmark("Analyze-exp5-beta0.1-bon8") { benchmark in
    let transform = try Transform.exponential(rate: 5)
    let procedure = try Procedure.bestOf(8)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
      blackHole(try CalibratedSpace.analyze(transform: transform, beta: 0.1, procedure: procedure))
    }
  }
}

func ctrlStepBenchmarks() {
  let groups = 65_536, g = 16, n = groups * g
  let rewards: [Double] = normals(n, seed: 6)
  let logp: [Double] = normals(n, seed: 7).map { $0 - 5 }
  let logr: [Double] = normals(n, seed: 8).map { $0 - 5 }
  // One thread, and two: the group stage (validity, group calibration, advantages) and the token pass by blocks of
  // groups; a constant number of allocations per call (the workers' workspaces, the block totals, the chunk sums
  // and the pool's job context per threaded stage), never per group or sample.
  for threads in [1, 2] {
    Benchmark("CTRLStep-G16-groups65536-Double\(threadsSuffix(threads))") { benchmark in
      var advantages = [Double](repeating: 0, count: n), gradient = advantages, k3 = advantages
      let options = CTRLOptions(transform: try .exponential(rate: 3))
      try rewards.withUnsafeBufferPointer { (r) throws(InfAlignError) in
        try logp.withUnsafeBufferPointer { (lp) throws(InfAlignError) in
          try logr.withUnsafeBufferPointer { (lr) throws(InfAlignError) in
            try advantages.withUnsafeMutableBufferPointer { (a) throws(InfAlignError) in
              try gradient.withUnsafeMutableBufferPointer { (gr) throws(InfAlignError) in
                try k3.withUnsafeMutableBufferPointer { (k) throws(InfAlignError) in
                  let outputs = CTRLOutputs(advantages: a, lossGradient: gr, k3: k)
                  benchmark.startMeasurement()
                  for _ in benchmark.scaledIterations {
                    blackHole(try CTRLStep.run(
                      groups: groups, groupSize: g, rewards: r, policyLogProbs: lp, referenceLogProbs: lr,
                      calibration: .group, options: options, outputs: outputs, threads: threads))
                  }
                  benchmark.stopMeasurement()
                }
              }
            }
          }
        }
      }
    }
  }
}

/// The verl GRPO preset off-policy (raw rewards, the fast group pass and the vector kernel), in both precisions
/// and on two threads: no allocation per sample (the workspace, the chunk sums and the pool's job context).
func ctrlPresetBenchmarks() {
  func register<T: BLASScalar>(_: T.Type, _ name: String, threads: Int) {
    let groups = 65_536, g = 16, n = groups * g
    Benchmark("CTRLStep-verl-grpo-G16-groups65536-\(name)\(threadsSuffix(threads))") { benchmark in
      let inputs = UnsafeMutableBufferPointer<T>.allocate(capacity: 4 * n)
      let outputs = UnsafeMutableBufferPointer<T>.allocate(capacity: 3 * n)
      defer {
        inputs.deallocate()
        outputs.deallocate()
      }
      let values: [Double] = normals(4 * n, seed: 9)
      for j in 0..<(4 * n) { inputs[j] = T(j < n ? values[j].rounded() : values[j] - 5) }
      for j in (3 * n)..<(4 * n) { inputs[j] = inputs[j - 2 * n] - T(0.3) * T(values[j - 3 * n]) }
      outputs.initialize(repeating: 0)
      func input(_ k: Int) -> UnsafeBufferPointer<T> { UnsafeBufferPointer(rebasing: inputs[(k * n)..<((k + 1) * n)]) }
      func output(_ k: Int) -> UnsafeMutableBufferPointer<T> {
        UnsafeMutableBufferPointer(rebasing: outputs[(k * n)..<((k + 1) * n)])
      }
      let out = CTRLOutputs(advantages: output(0), lossGradient: output(1), k3: output(2))
      benchmark.startMeasurement()
      for _ in benchmark.scaledIterations {
        blackHole(try CTRLStep.run(
          groups: groups, groupSize: g, rewards: input(0), policyLogProbs: input(1), referenceLogProbs: input(2),
          oldPolicyLogProbs: input(3), calibration: .none, options: CTRLPreset.verlGRPO.options, outputs: out,
          threads: threads))
      }
      benchmark.stopMeasurement()
    }
  }
  register(Double.self, "Double", threads: 1)
  register(Float.self, "Float", threads: 1)
  register(Double.self, "Double", threads: 2)
}

/// "" for one thread (the original benchmark names), "-threadsN" otherwise.
func threadsSuffix(_ threads: Int) -> String { threads == 1 ? "" : "-threads\(threads)" }
