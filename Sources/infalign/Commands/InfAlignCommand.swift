import ArgumentParser
import InfAlignSolvers

/// The `infalign` command line: inference-aware alignment questions answered from the shell.
@main
struct InfAlignCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "infalign",
    abstract: "Inference-aware alignment (InfAlign/CTRL): calibrate rewards, pick transforms and KL budgets.",
    discussion: """
      Procedures: standard, bon:N, won:N, order:K:N, mix:W*P+W*P. Transforms: identity, exp:T, negexp:T, log, logit,
      power:P, optimal, table:FILE (CSV u,R).
      """,
    subcommands: [DemoCommand.self, AnalyzeCommand.self, OptimalCommand.self, FrontierCommand.self, CalibrateCommand.self, WinRateCommand.self, BenchCommand.self, TuningTableCommand.self, DoctorCommand.self])

  /// Selects OpenBLAS's best core for this CPU before anything else (see ``OpenBLASCoreSelection``), then runs.
  static func main() {
    OpenBLASCoreSelection.applyAtStartup()
    main(nil)
  }
}

/// A subcommand that renders its result into a text stream (stdout when run from the shell, a string in tests).
protocol RenderingCommand: ParsableCommand {
  func execute(into output: inout some TextOutputStream) throws
}

extension RenderingCommand {
  mutating func run() throws {
    var out = StandardOutput()
    try execute(into: &out)
  }
}

struct StandardOutput: TextOutputStream {
  mutating func write(_ string: String) { print(string, terminator: "") }
}
