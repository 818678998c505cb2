import ArgumentParser
import Dispatch
import InfAlignSolvers

/// `infalign bench`: times one kernel on seeded generated data and prints one JSON object.
struct BenchCommand: RenderingCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Time one kernel on generated data (seeded) and print JSON: median and min seconds, throughput.",
    discussion: """
      Kernels and their shape options: calibrate (--prompts --references --queries; one-shot), calibrate-table
      (the same shape; only the searches of a table built once), logsumexp and softmax (--rows --cols), gemm
      (--m --n --k), ctrl-step (--groups --group-size), winrate (--prompts --samples per side --procedure; the
      empirical win rate), analyze (--transform --beta --procedure), optimal (--grid --beta
      --procedure; the optimal transform at one β, fixed-point solver).
      "isa" names the vector level the width-bound kernels ran at (set INFALIGN_SIMD=baseline|avx2|avx512 to cap it);
      "threads" the thread count of the row kernels (--threads, else INFALIGN_NUM_THREADS, else the available cores).
      """)

  enum Kernel: String, ExpressibleByArgument, CaseIterable {
    case calibrate, calibrateTable = "calibrate-table", logsumexp, softmax, gemm, ctrlStep = "ctrl-step", winrate
    case analyze, optimal
  }
  enum DType: String, ExpressibleByArgument { case float, double }

  @Argument(help: "Kernel: calibrate, calibrate-table, logsumexp, softmax, gemm, ctrl-step, winrate, analyze, optimal.")
  var kernel: Kernel
  @Option(help: "float or double.") var dtype: DType = .double
  @Option(parsing: .unconditional, help: "Timed repetitions (after the warm-up).") var repeats = 10
  @Option(parsing: .unconditional, help: "Seconds of untimed warm-up calls before the timed ones (at least one call).")
  var warmup = 0.25
  @Option(parsing: .unconditional, help: "Seed of the generated data.") var seed: UInt64 = 1
  @Option(parsing: .unconditional) var prompts = 1024
  @Option(parsing: .unconditional) var references = 1024
  @Option(parsing: .unconditional) var queries = 16
  @Option(parsing: .unconditional) var rows = 4096
  @Option(parsing: .unconditional) var cols = 1024
  @Option(parsing: .unconditional) var m = 1024
  @Option(parsing: .unconditional) var n = 1024
  @Option(parsing: .unconditional) var k = 1024
  @Option(parsing: .unconditional) var groups = 65_536
  @Option(parsing: .unconditional) var groupSize = 16
  @Option(help: "ctrl-step: a CTRL preset (\(CTRLPreset.allCases.map(\.rawValue).joined(separator: ", "))), run off-policy with its calibration; without it, the InfAlign step with exp:3 on-policy.")
  var preset: String?
  @Option var transform = "exp:5"
  @Option(parsing: .unconditional) var beta = 0.1
  @Option var procedure = "bon:8"
  @Option(parsing: .unconditional) var grid = 1024
  @Option(parsing: .unconditional) var samples = 64
  @Option(parsing: .unconditional, help: "Threads for the row kernels (default: INFALIGN_NUM_THREADS, else the available cores).")
  var threads: Int?

  /// Repetitions past this would run for hours even for the smallest kernel at a real size.
  static let maximumRepeats = 1_000_000

  func validate() throws {
    if repeats < 1 { throw ValidationError("--repeats must be at least 1") }
    if !(warmup >= 0 && warmup <= 3600) { throw ValidationError("--warmup must be between 0 and 3600 seconds, got \(warmup)") }
    for (name, v) in [("prompts", prompts), ("references", references), ("queries", queries), ("rows", rows),
                      ("cols", cols), ("m", m), ("n", n), ("k", k), ("groups", groups), ("group-size", groupSize),
                      ("grid", grid), ("samples", samples)]
    where v < 1 { throw ValidationError("--\(name) must be at least 1") }
    if let threads, threads < 1 || threads > Threads.maximum {
      throw ValidationError("--threads must be between 1 and \(Threads.maximum), got \(threads)")
    }
    try MemoryBudget.time("--repeats", repeats, count: repeats, limit: Self.maximumRepeats, unit: "repetitions",
                          reason: "each repetition runs the whole kernel")
    let bytes = dtype == .float ? 4 : 8
    /// `--a A × --b B` as typed, for the message.
    func typed(_ pairs: (String, Int)...) -> String { pairs.map { "--\($0.0) \($0.1)" }.joined(separator: " × ") }
    switch kernel {
    case .calibrate, .calibrateTable:
      try MemoryBudget.memory(typed(("prompts", prompts), ("references", references)), [prompts, references],
                              unit: "values", bytesEach: 3 * bytes)
      try MemoryBudget.memory(typed(("prompts", prompts), ("queries", queries)), [prompts, queries],
                              unit: "values", bytesEach: 3 * bytes)
    case .winrate:
      try MemoryBudget.memory(typed(("prompts", prompts), ("samples", samples)), [prompts, samples],
                              unit: "values", bytesEach: 4 * bytes)
    case .logsumexp, .softmax:
      try MemoryBudget.memory(typed(("rows", rows), ("cols", cols)), [rows, cols], unit: "values", bytesEach: 3 * bytes)
    case .gemm:
      for (a, b) in [(("m", m), ("k", k)), (("k", k), ("n", n)), (("m", m), ("n", n))] {
        try MemoryBudget.memory(typed(a, b), [a.1, b.1], unit: "values", bytesEach: 2 * bytes)
      }
    case .ctrlStep:
      try MemoryBudget.memory(typed(("groups", groups), ("group-size", groupSize)), [groups, groupSize],
                              unit: "samples", bytesEach: 12 * bytes)
    case .analyze, .optimal: try MemoryBudget.grid(grid)
    }
  }

  func execute(into output: inout some TextOutputStream) throws {
    switch dtype {
    case .float: try measure(Float.self, into: &output)
    case .double: try measure(Double.self, into: &output)
    }
  }

  private func measure<T: BLASScalar>(_: T.Type, into output: inout some TextOutputStream) throws {
    if let threads { Threads.count = threads }
    let workload = try BenchWorkload<T>(command: self)
    var times: [Double] = []
    // Warm-up: calls for at least `warmup` seconds (and at least one). A fresh process's first ~0.1 s of threaded
    // calls ran at one thread's speed here (2.5-2.8 ms medians of 20 one-shot calibrations against 1.3-1.4 ms once
    // settled), which a training loop never sees; the timed calls measure the settled state.
    let warmupStart = DispatchTime.now().uptimeNanoseconds
    repeat {
      try workload.run()
    } while Double(DispatchTime.now().uptimeNanoseconds - warmupStart) * 1e-9 < warmup
    for _ in 0..<repeats {
      let start = DispatchTime.now().uptimeNanoseconds
      try workload.run()
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
    }
    times.sort()
    let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    let shape = workload.shape.map { "\(Field.jsonString($0.key)):\($0.value)" }.joined(separator: ",")
    output.write(
      "{\"kernel\":\(Field.jsonString(kernel.rawValue)),\"shape\":{\(shape)},\"dtype\":\"\(dtype.rawValue)\","
        + "\"repeats\":\(repeats),\"warmup_s\":\(warmup),\"median_s\":\(median),\"min_s\":\(times[0]),"
        + "\"throughput\":\(workload.work / median),\"unit\":\(Field.jsonString(workload.unit)),"
        + "\"isa\":\"\(VectorISA.active)\",\"threads\":\(Threads.count)\(kernel == .gemm ? blasFields() : "")}\n")
  }
}

extension BenchCommand {
  /// `,"blas":{…}`: the OpenBLAS build, core and thread count GEMM ran with, and whether the core is generic.
  func blasFields() -> String {
    let blas = BLASRuntime.current
    let recommended = blas.recommendedCore.map(Field.jsonString) ?? "null"
    return ",\"blas\":{\"library\":\(Field.jsonString(blas.libraryPath ?? "unknown")),"
      + "\"version\":\(Field.jsonString(blas.version ?? "unknown")),\"core\":\(Field.jsonString(blas.coreName)),"
      + "\"threads\":\(blas.threads),\"generic_core\":\(blas.isGenericCore),\"recommended_core\":\(recommended)}"
  }
}

/// Generated data and the timed closure for one kernel.
struct BenchWorkload<T: BLASScalar> {
  let shape: [(key: String, value: Int)]
  let work: Double
  let unit: String
  let run: () throws -> Void

  init(command c: BenchCommand) throws {
    var rng = Xoshiro256StarStar(seed: c.seed)
    func normals(_ count: Int) -> [T] { Random.normals(count: count, using: &rng) }
    switch c.kernel {
    case .calibrate:
      let refs = Matrix<T>(rows: c.prompts, columns: c.references, storage: normals(c.prompts * c.references))
      let queries = Matrix<T>(rows: c.prompts, columns: c.queries, storage: normals(c.prompts * c.queries))
      shape = [("prompts", c.prompts), ("references", c.references), ("queries", c.queries)]
      work = Double(c.prompts * c.queries)
      unit = "queries/s (one-shot: references used once)"
      var out = [T](repeating: 0, count: c.prompts * c.queries)
      let (rows, m, k) = (c.prompts, c.references, c.queries)
      // The buffer API into an output allocated once: the timing is the calibration, not a copy or an allocation.
      run = {
        try refs.withUnsafeBufferPointer { (r) throws(InfAlignError) in
          try queries.withUnsafeBufferPointer { (q) throws(InfAlignError) in
            try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
              try OneShotCalibration.calibrate(
                references: r, referenceColumns: m, queries: q, queryColumns: k, rows: rows, into: o)
            }
          }
        }
      }
    case .calibrateTable:
      let table = try CalibrationTable(
        references: Matrix<T>(rows: c.prompts, columns: c.references, storage: normals(c.prompts * c.references)))
      let queries = Matrix<T>(rows: c.prompts, columns: c.queries, storage: normals(c.prompts * c.queries))
      shape = [("prompts", c.prompts), ("references", c.references), ("queries", c.queries)]
      work = Double(c.prompts * c.queries)
      unit = "queries/s (searches of a table built once)"
      var out = [T](repeating: 0, count: c.prompts * c.queries)
      let k = c.queries
      run = {
        try queries.withUnsafeBufferPointer { (q) throws(InfAlignError) in
          try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
            try table.calibrate(queries: q, columns: k, into: o)
          }
        }
      }
    case .winrate:
      let procedure = try parseProcedure(c.procedure)
      let count = c.prompts * c.samples
      let policy = normals(count).map { $0 + 0.1 }, reference = normals(count)
      let offsets = (0...c.prompts).map { $0 * c.samples }
      var out = [Double](repeating: 0, count: c.prompts)
      shape = [("prompts", c.prompts), ("samples", c.samples)]
      work = Double(c.prompts)
      unit = "prompts/s"
      run = {
        try policy.withUnsafeBufferPointer { (p) throws(InfAlignError) in
          try reference.withUnsafeBufferPointer { (r) throws(InfAlignError) in
            try offsets.withUnsafeBufferPointer { (o) throws(InfAlignError) in
              try out.withUnsafeMutableBufferPointer { (w) throws(InfAlignError) in
                try EmpiricalWinRate.estimate(
                  policy: p, policyOffsets: o, reference: r, referenceOffsets: o, procedure: procedure, into: w)
              }
            }
          }
        }
      }
    case .logsumexp, .softmax:
      let x = Matrix<T>(rows: c.rows, columns: c.cols, storage: normals(c.rows * c.cols))
      var out = [T](repeating: 0, count: c.kernel == .softmax ? c.rows * c.cols : c.rows)
      shape = [("rows", c.rows), ("cols", c.cols)]
      work = Double(c.rows * c.cols)
      unit = "elements/s"
      let softmax = c.kernel == .softmax
      run = {
        try x.withUnsafeBufferPointer { (buf) throws(MathError) in
          try out.withUnsafeMutableBufferPointer { (o) throws(MathError) in
            if softmax {
              try RowReductions.softmax(buf, rows: x.rows, columns: x.columns, into: o)
            } else {
              RowReductions.logSumExp(buf, rows: x.rows, columns: x.columns, into: o)
            }
          }
        }
      }
    case .gemm:
      let a = Matrix<T>(rows: c.m, columns: c.k, storage: normals(c.m * c.k))
      let b = Matrix<T>(rows: c.k, columns: c.n, storage: normals(c.k * c.n))
      var out = Matrix<T>(rows: c.m, columns: c.n)
      shape = [("m", c.m), ("n", c.n), ("k", c.k)]
      work = 2 * Double(c.m) * Double(c.n) * Double(c.k) / 1e9
      unit = "GFLOP/s"
      run = { BLAS.gemm(a, b, into: &out) }
    case .ctrlStep:
      let count = c.groups * c.groupSize
      let rewards = normals(count), logp = normals(count).map { $0 - 5 }, logr = normals(count).map { $0 - 5 }
      let preset = try c.preset.map { (name) throws -> CTRLPreset in
        do { return try CTRLPreset.named(name) } catch { throw ValidationError("--preset: \(error)") }
      }
      // Off-policy with a preset (the PPO ratio is exp of a spread of ±0.3 around 1), as in a trainer's update.
      let old: [T]? = preset == nil ? nil : zip(logp, normals(count)).map { $0 - T(0.3) * $1 }
      let options = try preset?.options ?? CTRLOptions(transform: .exponential(rate: 3))
      let calibration: CTRLCalibration<T> = preset?.calibration == CTRLPreset.Calibration.none ? .none : .group
      let outputs = UnsafeMutableBufferPointer<T>.allocate(capacity: 3 * count)
      outputs.initialize(repeating: 0)
      shape = [("groups", c.groups), ("group_size", c.groupSize)]
      work = Double(count)
      unit = "samples/s"
      let (groups, size) = (c.groups, c.groupSize)
      func slot(_ k: Int) -> UnsafeMutableBufferPointer<T> {
        UnsafeMutableBufferPointer(rebasing: outputs[(k * count)..<((k + 1) * count)])
      }
      let out = CTRLOutputs(advantages: slot(0), lossGradient: slot(1), k3: preset == nil ? nil : slot(2))
      run = {
        _ = try rewards.withUnsafeBufferPointer { (r) throws(InfAlignError) in
          try logp.withUnsafeBufferPointer { (lp) throws(InfAlignError) in
            try logr.withUnsafeBufferPointer { (lr) throws(InfAlignError) in
              try CTRLBench.withOptional(old) { (lo) throws(InfAlignError) in
                try CTRLStep.run(
                  groups: groups, groupSize: size, rewards: r, policyLogProbs: lp, referenceLogProbs: lr,
                  oldPolicyLogProbs: lo, calibration: calibration, options: options, outputs: out)
              }
            }
          }
        }
      }
    case .analyze:
      let phi = try parseTransform(c.transform)
      let procedure = try parseProcedure(c.procedure)
      shape = []
      work = 1
      unit = "analyses/s"
      let beta = c.beta
      run = { _ = try CalibratedSpace.analyze(transform: phi, beta: beta, procedure: procedure) }
    case .optimal:
      let procedure = try parseProcedure(c.procedure)
      shape = [("grid", c.grid)]
      work = 1
      unit = "solves/s"
      let (beta, grid) = (c.beta, c.grid)
      run = { _ = try OptimalTransform.solve(procedure: procedure, beta: beta, grid: grid) }
    }
  }
}

/// Helpers of the ctrl-step benchmark.
enum CTRLBench {
  static func withOptional<T, R>(
    _ array: [T]?, _ body: (UnsafeBufferPointer<T>?) throws(InfAlignError) -> R
  ) throws(InfAlignError) -> R {
    guard let array else { return try body(nil) }
    return try array.withUnsafeBufferPointer { (p) throws(InfAlignError) in try body(p) }
  }
}
