import ArgumentParser
import InfAlignSolvers

/// `infalign optimal`: the optimal transform for a procedure at β or a KL budget.
struct OptimalCommand: RenderingCommand {
  static let configuration = CommandConfiguration(
    commandName: "optimal",
    abstract: "The optimal transform for a procedure (at --beta or --kl), its KL and win rates; --output writes it.")

  @OptionGroup var setting: SettingOptions
  @Option(parsing: .unconditional, help: "KL weight β (give exactly one of --beta and --kl).") var beta: Double?
  @Option(parsing: .unconditional, help: "KL budget.") var kl: Double?
  @Option(parsing: .unconditional, help: "Grid points.") var grid = OptimalTransform.defaultGrid
  @Option(help: "Solver: fixed-point (default, a few ms), gradient (L-BFGS from the identity) or polished (fixed point, then L-BFGS).") var method: String = "fixed-point"
  @Option(help: "Write the tabulated transform as CSV (u,R), readable with --transform table:FILE.") var output: String?
  @Option(help: "Output format: text, json or csv.") var format: OutputFormat = .text

  func validate() throws {
    if (beta == nil) == (kl == nil) { throw ValidationError("give exactly one of --beta and --kl") }
    if grid < 8 { throw ValidationError("--grid must be at least 8") }
    try MemoryBudget.grid(grid)
  }

  func execute(into out: inout some TextOutputStream) throws {
    let (procedure, reference) = try setting.parsed()
    guard let solver = OptimalTransform.Method(rawValue: method) else {
      throw CLIError("--method: expected fixed-point, gradient or polished, got \"\(method)\"")
    }
    let result: OptimalTransformResult
    if let beta {
      result = try OptimalTransform.solve(procedure: procedure, reference: reference, beta: beta, grid: grid,
                                          method: solver)
    } else {
      result = try OptimalTransform.solve(procedure: procedure, reference: reference, kl: kl!, grid: grid,
                                          method: solver)
    }
    if let output {
      let file = try OutputFile(path: output)
      try file.write("u,R\n")
      if case let .tabulated(table) = result.transform.kind {
        for (u, r) in zip(table.grid, table.values) { try file.write("\(u),\(r)\n") }
      }
      try file.commit()
    }
    var row: Row = [("procedure", .string(procedure.description))]
    if reference != procedure { row.append(("reference_procedure", .string(reference.description))) }
    row += [
      ("transform", .string("optimal")), ("beta", .number(result.beta)), ("kl", .number(result.kl)),
      ("win_rate", .number(result.winRate)), ("standard_win_rate", .number(result.standardWinRate)),
      ("objective", .number(result.objective)), ("grid", .integer(grid)), ("method", .string(result.method.rawValue)),
      ("iterations", .integer(result.iterations)), ("residual", .number(result.residual)),
      ("stationary_points", .integer(result.stationaryPoints)),
    ]
    out.write(Render.rows([row], as: format))
  }
}
