import ArgumentParser
import InfAlignInput
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
  @Option(parsing: .unconditional, help: "Bootstrap resamples over prompts (0: no interval).") var bootstrap = 1000
  @Option(parsing: .unconditional, help: "Seed of the bootstrap.") var seed: UInt64 = 0
  @Option(parsing: .unconditional, help: "Confidence level of the interval.") var level = 0.95
  @Option(help: "Output format: text, json or csv.") var format: OutputFormat = .text

  /// Each resample draws every prompt once: 10⁷ resamples of 10⁴ prompts are already 10¹¹ draws.
  static let maximumResamples = 10_000_000

  func validate() throws {
    if bootstrap < 0 { throw ValidationError("--bootstrap must be 0 (no interval) or more resamples, got \(bootstrap)") }
    try MemoryBudget.memory("--bootstrap", bootstrap, count: bootstrap, unit: "resamples", bytesEach: 8)
    try MemoryBudget.time("--bootstrap", bootstrap, count: bootstrap, limit: Self.maximumResamples, unit: "resamples",
                          reason: "each resample redraws every prompt")
    if !(level > 0 && level < 1) { throw ValidationError("--level must be strictly between 0 and 1, got \(level)") }
  }

  func execute(into output: inout some TextOutputStream) throws {
    let p = try parseProcedure(procedure)
    let reader = try PromptReader(path: input)
    var estimates: [Double] = []
    var batch = PromptBatch()
    while try reader.read(into: &batch, limit: 512) {
      for b in 0..<batch.count {
        do {
          estimates.append(try EmpiricalWinRate.estimate(
            policy: Array(batch.rewards[batch.rewardRange(b)]),
            reference: Array(batch.references[batch.referenceRange(b)]), procedure: p, prompt: estimates.count))
        } catch {
          throw CLIError("\(input):\(batch.lines[b]): prompt \(batch.idText(b)) (#\(estimates.count)): \(error)")
        }
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
