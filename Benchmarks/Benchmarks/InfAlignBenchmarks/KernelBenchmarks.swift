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
      let table = try CalibrationTable(references: refs.span, rows: b, columns: m)
      var o = out.mutableSpan
      try table.calibrate(queries: queries.span, columns: k, into: &o, threads: 1)
    }
    blackHole(out)
  }
  for threads in [1, 2] {
    Benchmark("Calibrate-B1024-M1024-K16-one-shot\(threadsSuffix(threads))") { benchmark in
      // The one-shot path (direct SIMD counts, no sort for K ≤ 64): what `infalign calibrate` runs.
      var out = [Double](repeating: 0, count: b * k)
      do {
        var o = out.mutableSpan
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
          try OneShotCalibration.calibrate(
            references: refs.span, referenceColumns: m, queries: queries.span, queryColumns: k, rows: b, into: &o,
            threads: threads)
        }
        benchmark.stopMeasurement()
      }
      blackHole(out)
    }
    Benchmark("Calibrate-B1024-M1024-K16-reused-table\(threadsSuffix(threads))") { benchmark in
      let table = try CalibrationTable(references: refs.span, rows: b, columns: m)
      var out = [Double](repeating: 0, count: b * k)
      do {
        var o = out.mutableSpan
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
          try table.calibrate(queries: queries.span, columns: k, into: &o, threads: threads)
        }
        benchmark.stopMeasurement()
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
      var outputs = try CTRLOutputArrays<Double>(groups: groups, groupSize: g, k3: true)
      let options = CTRLOptions(transform: try .exponential(rate: 3))
      benchmark.startMeasurement()
      for _ in benchmark.scaledIterations {
        blackHole(try CTRLStep.run(
          groups: groups, groupSize: g, rewards: rewards.span, policyLogProbs: logp.span, referenceLogProbs: logr.span,
          calibration: .group, options: options, into: &outputs, threads: threads))
      }
      benchmark.stopMeasurement()
    }
  }
}

/// The verl GRPO preset off-policy (raw rewards, the fast group pass and the vector kernel), in both precisions
/// and on two threads: no allocation per sample (the workspace, the chunk sums and the pool's job context).
func ctrlPresetBenchmarks() {
  func register<T: BLASScalar>(_: T.Type, _ name: String, threads: Int) {
    let groups = 65_536, g = 16, n = groups * g
    Benchmark("CTRLStep-verl-grpo-G16-groups65536-\(name)\(threadsSuffix(threads))") { benchmark in
      // One block of inputs (rewards, policy, reference, old policy), as before: the same memory layout.
      let values: [Double] = normals(4 * n, seed: 9)
      var inputs = [T](repeating: 0, count: 4 * n)
      for j in 0..<(4 * n) { inputs[j] = T(j < n ? values[j].rounded() : values[j] - 5) }
      for j in (3 * n)..<(4 * n) { inputs[j] = inputs[j - 2 * n] - T(0.3) * T(values[j - 3 * n]) }
      var out = try CTRLOutputArrays<T>(groups: groups, groupSize: g, k3: true)
      benchmark.startMeasurement()
      for _ in benchmark.scaledIterations {
        let block = inputs.span
        blackHole(try CTRLStep.run(
          groups: groups, groupSize: g, rewards: block.extracting(0..<n),
          policyLogProbs: block.extracting(n..<(2 * n)), referenceLogProbs: block.extracting((2 * n)..<(3 * n)),
          oldPolicyLogProbs: block.extracting((3 * n)..<(4 * n)), calibration: .none,
          options: CTRLPreset.verlGRPO.options, into: &out, threads: threads))
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
