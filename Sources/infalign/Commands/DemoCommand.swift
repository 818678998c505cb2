import ArgumentParser
import InfAlignSolvers

/// `infalign demo`: the end-to-end synthetic experiment (raw vs calibrated vs CTRL at matched KL).
struct DemoCommand: RenderingCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Synthetic end-to-end experiment: raw vs calibrated vs CTRL rewards at matched KL budgets.")

  @Option(parsing: .unconditional, help: "Seed of the synthetic task.") var seed: UInt64 = 1
  @Option(parsing: .unconditional, help: "Number of prompts.") var prompts = 256
  @Option(parsing: .unconditional, help: "Candidates per prompt (KL budgets must stay well below log of it).") var candidates = 512
  @Option(parsing: .unconditional, help: "N of the best-of-N and worst-of-N procedures.") var n = 4
  @Option(help: "Comma-separated KL budgets.") var kl: String = "0.5,1,2"
  @Option(help: "Write an SVG chart of inference-time win rate vs KL per method and procedure.") var plot: String?
  @Option(help: "Output format: text, json or csv.") var format: OutputFormat = .text

  func execute(into output: inout some TextOutputStream) throws {
    var configuration = AlignmentExperiment.Configuration()
    configuration.seed = seed
    configuration.prompts = prompts
    configuration.candidates = candidates
    configuration.procedures = [try parseProcedure("bon:\(n)", option: "--n"), try parseProcedure("won:\(n)", option: "--n")]
    configuration.klBudgets = try kl.split(separator: ",").map { s -> Double in
      guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v > 0, v.isFinite else {
        throw CLIError("--kl: bad KL budget \"\(s)\"")
      }
      return v
    }
    if configuration.klBudgets.isEmpty { throw CLIError("--kl: give at least one KL budget (got \"\(kl)\")") }
    if prompts < 1 || candidates < 2 { throw CLIError("--prompts must be ≥ 1 and --candidates ≥ 2") }
    if n < 1 { throw CLIError("--n must be at least 1") }
    // The experiment holds a few prompts × candidates matrices (rewards, log-probs, policies) at once.
    try MemoryBudget.memory("--prompts \(prompts) × --candidates \(candidates)", [prompts, candidates],
                            unit: "candidates", bytesEach: 8 * 16)
    let progress = Progress(label: "demo")
    let rows = try AlignmentExperiment.run(configuration, optimal: DemoOptimal.solver) { progress.report($0) }
    progress.finish()
    let table: [Row] = rows.map {
      [("method", .string($0.method)), ("procedure", .string($0.procedure)), ("transform", .string($0.transform)),
       ("kl", .number($0.kl)), ("beta", .number($0.beta)), ("win_rate", .number($0.winRate)),
       ("standard_win_rate", .number($0.standardWinRate))]
    }
    if let plot {
      var series: [SVGChart.Series] = []
      for procedure in configuration.procedures.map(\.description) {
        for method in ["raw", "calibrated", "ctrl-exp", "ctrl-optimal"] {
          let points = rows.filter { $0.procedure == procedure && $0.method == method }.map { (x: $0.kl, y: $0.winRate) }
          if !points.isEmpty { series.append(.init(name: "\(method) \(procedure)", points: points)) }
        }
      }
      try SVGChart(title: "Synthetic task: inference-time win rate at matched KL", xLabel: "KL(π ‖ π_ref)",
                   yLabel: "inference-time win rate vs π_ref", series: series).write(to: plot)
    }
    output.write(Render.rows(table, as: format))
  }
}

/// The optimal-transform solver used by the demo (`ctrl-optimal`).
enum DemoOptimal {
  static let solver: AlignmentExperiment.OptimalTransformSolver? = { procedure, kl in
    try OptimalTransform.solve(procedure: procedure, kl: kl, grid: 1024).transform
  }
}
