import ArgumentParser
import InfAlignMath
import InfAlignSolvers

/// `infalign tuning-table`: for best-of-N and worst-of-N, the tuned parametric transform at several KL budgets and
/// how far its inference-time win rate is below the optimal transform's. Regenerates the table in docs/FRONTIER.md.
struct TuningTableCommand: RenderingCommand {
  static let configuration = CommandConfiguration(
    commandName: "tuning-table",
    abstract: "Tuned exp (BoN) / negexp (WoN) parameters and their gap to the optimal transform, as markdown.")

  @Option(help: "Comma-separated N values.") var n: String = "2,4,8,16,32"
  @Option(help: "Comma-separated KL budgets.") var kl: String = "0.5,1,2,4"
  @Option(parsing: .unconditional, help: "Grid points of the optimal transform.") var grid = 1024
  @Option(help: "Output format: text (markdown), json or csv.") var format: OutputFormat = .text

  /// Each case (2 × N values × KL budgets) is an optimal-transform solve.
  static let maximumCases = 10_000

  func validate() throws {
    if grid < 8 { throw ValidationError("--grid must be at least 8 (got \(grid))") }
    try MemoryBudget.grid(grid)
  }

  func execute(into output: inout some TextOutputStream) throws {
    if n.split(separator: ",").isEmpty { throw CLIError("--n: give at least one N (got \"\(n)\")") }
    if kl.split(separator: ",").isEmpty { throw CLIError("--kl: give at least one KL budget (got \"\(kl)\")") }
    let ns = try n.split(separator: ",").map { s -> Int in
      guard let v = Int(s.trimmingCharacters(in: .whitespaces)), v >= 1, v <= Procedure.maximumN else {
        throw CLIError("--n: bad value \(s) (N is 1 ... \(Procedure.maximumN))")
      }
      return v
    }
    let budgets = try kl.split(separator: ",").map { s -> Double in
      guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v > 0, v.isFinite else {
        throw CLIError("--kl: bad value \(s) (a KL budget is a finite number > 0)")
      }
      return v
    }
    // The cases are independent: they run on the process's threads (INFALIGN_NUM_THREADS), one case per block,
    // each writing only its own row, so the table is the same bytes for any thread count.
    let (perFamily, overflow) = ns.count.multipliedReportingOverflow(by: budgets.count)
    try MemoryBudget.time("--n × --kl", "\(ns.count) × \(budgets.count) values", count: overflow ? .max : 2 * perFamily,
                          limit: Self.maximumCases, unit: "cases", reason: "each case is an optimal-transform solve")
    var cases: [(family: TransformFamily, procedure: Procedure, budget: Double)] = []
    for (family, kind) in [(TransformFamily.exponential, "bon"), (.negativeExponential, "won")] {
      for count in ns {
        let procedure = try kind == "bon" ? Procedure.bestOf(count) : Procedure.worstOf(count)
        for budget in budgets { cases.append((family, procedure, budget)) }
      }
    }
    let slots = UnsafeMutableBufferPointer<Row>.allocate(capacity: cases.count)
    slots.initialize(repeating: [])
    defer { slots.deinitialize().deallocate() }
    let progress = Progress(label: "tuning-table")
    let grid = grid
    try ParallelRows.forEach(rows: cases.count) { (block, _) throws(InfAlignError) in
      for k in block {
        slots[k] = try Self.row(cases[k].family, cases[k].procedure, cases[k].budget, grid: grid)
        progress.report("\(cases[k].procedure) KL \(cases[k].budget)")
      }
    }
    let rows = Array(slots)
    progress.finish()
    if format == .text {
      output.write(Self.markdown(rows))
    } else {
      output.write(Render.rows(rows, as: format))
    }
  }

  /// One row: the tuned member of `family` at `budget` and the optimal transform's win rate at the same KL.
  static func row(_ family: TransformFamily, _ procedure: Procedure, _ budget: Double, grid: Int) throws(InfAlignError)
    -> Row
  {
    let tuned = try ParametricTuning.tune(family: family, kl: budget, procedure: procedure)
    let optimal = OptimalReference.winRate(procedure: procedure, kl: budget, grid: grid)
    var row: Row = [
      ("procedure", .string(procedure.description)), ("kl", .number(budget)),
      ("transform", .string("\(family.rawValue):\(Self.short(tuned.parameter))")),
      ("parameter", .number(tuned.parameter)), ("beta", tuned.point.beta.isFinite
        ? .number(tuned.point.beta) : .string("e^" + String(format: "%.6g", tuned.point.logBeta))),
      ("win_rate", .number(tuned.point.winRate)),
    ]
    // A budget the optimal transform cannot resolve on the grid is printed as NaN (empty in markdown).
    row.append(("optimal_win_rate", .number(optimal ?? .nan)))
    row.append(("gap", .number((optimal ?? .nan) - tuned.point.winRate)))
    return row
  }

  static func short(_ x: Double) -> String { String(format: "%.3g", x) }

  static func markdown(_ rows: [Row]) -> String {
    guard let first = rows.first else { return "" }
    let keys = first.map(\.key)
    var s = "| " + keys.joined(separator: " | ") + " |\n|" + keys.map { _ in " --- |" }.joined() + "\n"
    for row in rows {
      s += "| " + row.map { field -> String in
        if case let .number(x) = field.value {
          if x.isNaN { return "—" }
          return String(format: field.key == "gap" ? "%.2e" : "%.6g", x)
        }
        return field.value.text
      }.joined(separator: " | ") + " |\n"
    }
    return s
  }
}

/// The optimal transform's win rate at a KL budget; nil when the solver cannot resolve it on the grid.
enum OptimalReference {
  static func winRate(procedure: Procedure, kl: Double, grid: Int) -> Double? {
    try? OptimalTransform.solve(procedure: procedure, kl: kl, grid: grid).winRate
  }
}
