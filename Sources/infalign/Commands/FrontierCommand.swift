import ArgumentParser
import InfAlignSolvers

/// `infalign frontier`: the (KL, win rate) trade-off of several transforms over a range of KL budgets.
struct FrontierCommand: RenderingCommand {
  static let configuration = CommandConfiguration(
    commandName: "frontier",
    abstract: "Table (and SVG chart) of KL vs win rate for several transforms, each at the β meeting each KL budget.")

  @OptionGroup var setting: SettingOptions

  @Option(help: ArgumentHelp("Comma-separated transforms: \(Transform.syntaxSummary), table:FILE, optimal."))
  var transforms: String = "identity,exp:5,optimal"

  @Option(help: "KL budgets LO:HI:COUNT (evenly spaced, inclusive).")
  var kl: String = "0.25:4:16"

  @Option(parsing: .unconditional, help: "Grid points of the optimal transform.") var grid = 512

  @Option(help: "Write an SVG line chart of inference-time win rate vs KL.") var plot: String?

  @Option(help: "Output format: text, json or csv.") var format: OutputFormat = .text

  func validate() throws {
    try MemoryBudget.grid(grid)
  }

  /// Each point solves for β (for `optimal`, a whole optimal-transform solve; ~6 ms for `identity` in a debug
  /// build): more COUNT × transforms points than this would run for hours.
  static let maximumPoints = 100_000

  func budgets() throws -> [Double] {
    let parts = kl.split(separator: ":").map(String.init)
    guard parts.count == 3, let lo = Double(parts[0]), let hi = Double(parts[1]), let count = Int(parts[2]),
      count >= 1, lo > 0, hi >= lo, lo.isFinite, hi.isFinite
    else { throw CLIError("--kl: expected LO:HI:COUNT with 0 < LO ≤ HI and COUNT ≥ 1, got \"\(kl)\"") }
    try MemoryBudget.memory("--kl", kl, count: count, unit: "points", bytesEach: 8)
    return count == 1 ? [lo] : (0..<count).map { lo + (hi - lo) * Double($0) / Double(count - 1) }
  }

  func execute(into output: inout some TextOutputStream) throws {
    let (procedure, reference) = try setting.parsed()
    let klBudgets = try budgets()
    let names = transforms.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    if names.isEmpty { throw CLIError("--transforms: give at least one transform") }
    let (points, overflow) = klBudgets.count.multipliedReportingOverflow(by: names.count)
    try MemoryBudget.time("--kl", "\(kl) × \(names.count) transforms", count: overflow ? .max : points,
                          limit: Self.maximumPoints, unit: "points", reason: "each point solves for β")
    var rows: [Row] = []
    var series: [SVGChart.Series] = []
    let progress = Progress(label: "frontier")
    for name in names {
      var points: [(x: Double, y: Double)] = []
      for budget in klBudgets {
        let point = try FrontierPoint.compute(
          transform: name, kl: budget, procedure: procedure, reference: reference, grid: grid)
        rows.append(.point(point, transform: name))
        points.append((point.kl, point.winRate))
        progress.report("\(name) KL \(budget)")
      }
      series.append(.init(name: name, points: points))
    }
    progress.finish()
    if let plot {
      let title = "Inference-time win rate vs KL (\(procedure)\(reference == procedure ? "" : " vs \(reference)"))"
      try SVGChart(title: title, xLabel: "KL(π ‖ π_ref)", yLabel: "win rate of \(procedure) vs \(reference)",
                   series: series).write(to: plot, inputs: TransformFile.paths(in: names))
    }
    output.write(Render.rows(rows, as: format))
  }
}

/// One frontier point for a transform given by name.
enum FrontierPoint {
  static func compute(
    transform name: String, kl: Double, procedure: Procedure, reference: Procedure, grid: Int
  ) throws -> CalibratedPoint {
    if name == "optimal" {
      let r = try OptimalTransform.solve(procedure: procedure, reference: reference, kl: kl, grid: grid)
      return try CalibratedSpace.analyze(transform: r.transform, beta: r.beta, procedure: procedure, reference: reference)
    }
    let phi = try parseTransform(name, option: "--transforms")
    return try CalibratedSpace.analyze(transform: phi, kl: kl, procedure: procedure, reference: reference)
  }
}
