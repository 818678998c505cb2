import ArgumentParser
import InfAlignSolvers

/// The `infalign` command line: inference-aware alignment questions answered from the shell.
@main
struct InfAlignCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "infalign",
    abstract: "Inference-aware alignment (InfAlign/CTRL): calibrate rewards, pick transforms and KL budgets.",
    discussion: """
      Procedures: \(Procedure.syntaxSummary). Transforms: \(Transform.syntaxSummary), optimal, table:FILE (CSV u,R).
      """,
    subcommands: [DemoCommand.self, AnalyzeCommand.self, OptimalCommand.self, FrontierCommand.self, CalibrateCommand.self, TiltCommand.self, CTRLCommand.self, WinRateCommand.self, BenchCommand.self, TuningTableCommand.self, DoctorCommand.self])

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
    if let failure = out.failure { throw CLIError("cannot write to standard output: \(failure)") }
  }
}

/// Standard output written unbuffered with `write(2)`, remembering the first failure (a full disk, `> /dev/full`,
/// a closed pipe) so the command exits non-zero with one line instead of 0.
struct StandardOutput: TextOutputStream {
  private(set) var failure: String?

  mutating func write(_ string: String) {
    if failure != nil { return }
    var string = string
    failure = string.withUTF8 { OutputFile.writeAll(1, UnsafeRawBufferPointer($0)) }
  }
}
