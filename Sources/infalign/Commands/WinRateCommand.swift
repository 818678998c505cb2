import ArgumentParser
import InfAlignSolvers

/// `infalign winrate`: the empirical inference-time win rate of policy samples against reference samples.
struct WinRateCommand: RenderingCommand {
  static let configuration = CommandConfiguration(
    commandName: "winrate",
    abstract: "Unbiased empirical BoN/WoN/standard win rate of policy vs reference samples, with a bootstrap CI.",
    discussion: """
      Input as for calibrate: JSONL {"id": ..., "reference_rewards": [...], "rewards": [...]} (rewards = policy
      samples) or long-form CSV id,source,reward. Per prompt, the estimate is exact over all N-subsets of each side
      (N ≤ both sample counts); prompts are averaged and resampled for the confidence interval.
      """)

  @Option(help: "Input file (.jsonl or .csv).") var input: String
  @Option(help: "Procedure: standard, bon:N or won:N.") var procedure: String = "standard"
  @Option(help: "Bootstrap resamples over prompts (0: no interval).") var bootstrap = 1000
  @Option(help: "Seed of the bootstrap.") var seed: UInt64 = 0
  @Option(help: "Confidence level of the interval.") var level = 0.95
  @Option(help: "Output format: text, json or csv.") var format: OutputFormat = .text

  func execute(into output: inout some TextOutputStream) throws {
    let p = try parseProcedure(procedure)
    var reader = try PromptReader(path: input)
    var estimates: [Double] = []
    while let record = try reader.next() {
      do {
        estimates.append(try EmpiricalWinRate.estimate(
          policy: record.rewards, reference: record.referenceRewards, procedure: p, prompt: estimates.count))
      } catch {
        throw CLIError("\(input):\(record.line): prompt \(record.idText) (#\(estimates.count)): \(error)")
      }
    }
    if estimates.isEmpty { throw CLIError("\(input): no prompts") }
    var row: Row = [("procedure", .string(p.description)), ("prompts", .integer(estimates.count))]
    if bootstrap > 0 {
      let ci = try Bootstrap.meanInterval(estimates, resamples: bootstrap, level: level, seed: seed)
      row += [("win_rate", .number(ci.estimate)), ("ci_low", .number(ci.lower)), ("ci_high", .number(ci.upper)),
              ("standard_error", .number(ci.standardError)), ("level", .number(level))]
    } else {
      row.append(("win_rate", .number(estimates.reduce(0, +) / Double(estimates.count))))
    }
    output.write(Render.rows([row], as: format))
  }
}
