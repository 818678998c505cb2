import ArgumentParser
import InfAlignInput
import InfAlignSolvers

/// `infalign tilt`: self-normalized weights toward the exact KL-RL tilt for reward files (distillation data).
struct TiltCommand: RenderingCommand {
  static let configuration = CommandConfiguration(
    commandName: "tilt",
    abstract: "Weights toward the exact tilt π* ∝ π_ref·exp(Φ(u)/β) for groups of π_ref samples (JSONL in and out).",
    discussion: """
      Input as for calibrate: JSONL {"id": ..., "reference_rewards": [...], "rewards": [...]}. Without
      --leave-one-out, "rewards" are the samples to weight, calibrated against "reference_rewards"; with it, the
      "reference_rewards" are the samples, each calibrated against the rest of its group ("rewards" not needed).
      Exactly one of --kl (β from the exact calibrated-space solve), --beta, --scaled-beta (β·e^-t for exp:t).
      Output: one JSONL line per prompt, {"id", "u", "phi", "weights", "log_z", "ess", "kl"}: weights have mean 1
      per prompt, log_z = log mean exp(Φ(u)/β), ess = (Σw)²/Σw², kl = Σ (w/K) log w (the reweighted sample against
      the uniform one); "phi" holds null where Φ(u) exceeds a double (exp:t, t past ~709). The summary on stdout
      (--format) gives β and the exact tilt's KL and predicted standard and --procedure win rates, with the
      prompts' mean ESS and KL. The output file appears only when everything succeeded.
      """)

  @Option(help: "Input file (.jsonl).") var input: String
  @Option(help: "Output file (.jsonl).") var output: String
  @Option(help: "Transform Φ of the calibrated reward.") var transform: String = "identity"
  @Option(help: "KL budget: β from the exact calibrated-space solve.") var kl: Double?
  @Option(help: "The KL weight β.") var beta: Double?
  @Option(help: "β in the scaled form β·e^-t of exp:t (β itself for other transforms).") var scaledBeta: Double?
  @Flag(help: "The reference_rewards are the samples: each is calibrated against the rest of its group.")
  var leaveOneOut = false
  @Flag(help: "Smoothed calibration (count + 1/2)/(M + 1).") var smooth = false
  @Option(help: "Procedures whose exact-tilt win rates are predicted (repeatable).") var procedure: [String] = ["bon:4", "won:4"]
  @Option(parsing: .unconditional, help: "Prompts per batch.") var batchSize = 512
  @Option(help: "Format of the summary printed on stdout: text, json or csv.") var format: OutputFormat = .text

  func validate() throws {
    if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    if [kl, beta, scaledBeta].compactMap({ $0 }).count != 1 {
      throw ValidationError("give exactly one of --kl, --beta and --scaled-beta")
    }
  }

  func execute(into out: inout some TextOutputStream) throws {
    let strength: TiltStrength = kl.map { .kl($0) } ?? beta.map { .beta($0) } ?? .scaledBeta(scaledBeta!)
    let options = TiltOptions(
      transform: try parseTransform(transform), strength: strength,
      calibration: CalibrationOptions(leaveOneOut: leaveOneOut, smoothing: smooth),
      procedures: try procedure.map { try parseProcedure($0) })
    let reader = try PromptReader(path: input, requireRewards: !leaveOneOut)
    let file = try OutputFile(path: output, inputs: [input] + TransformFile.paths(in: [transform]))
    var batch = PromptBatch()
    var prompts = 0, samples = 0, essSum = 0.0, klSum = 0.0
    var last: TiltedSample<Double>? = nil
    let progress = Progress(label: "tilt")
    while try reader.read(into: &batch, limit: batchSize) {
      let tilted = try weigh(batch, options)
      for b in 0..<batch.count { try write(batch, b, tilted) }
      prompts += batch.count
      samples += tilted.weights.count
      essSum += tilted.effectiveSampleSize.reduce(0, +)
      klSum += tilted.kl.reduce(0, +)
      last = tilted
      progress.report("\(prompts) prompts")
    }
    guard let last else { throw CLIError("\(input): no prompts") }
    try file.commit()
    progress.finish()
    var row: Row = [
      ("transform", .string(options.transform.description)), ("beta", .number(last.beta)),
      ("log_beta", .number(last.logBeta)), ("scaled_beta", .number(last.scaledBeta)),
      ("kl", .number(last.exact.kl)), ("standard_win_rate", .number(last.exact.standardWinRate)),
    ]
    for point in last.predictions { row.append(("win_rate_\(point.procedure)", .number(point.winRate))) }
    row += [("prompts", .integer(prompts)), ("samples", .integer(samples)),
            ("mean_ess", .number(essSum / Double(prompts))), ("mean_sample_kl", .number(klSum / Double(prompts))),
            ("output", .string(output))]
    out.write(Render.rows([row], as: format))

    func write(_ batch: PromptBatch, _ b: Int, _ t: TiltedSample<Double>) throws {
      let range = t.samples(prompt: b)
      try file.append { (buffer) throws(CLIError) in
        buffer.append("{\"id\":" as StaticString)
        if !NumberText.appendJSONID(batch, b, to: &buffer) {
          throw CLIError("\(input):\(batch.lines[b]): prompt \(batch.idText(b)): the id is not valid UTF-8, which JSON cannot carry")
        }
        buffer.append(",\"u\":" as StaticString)
        NumberText.appendJSONArray(t.calibrated[range], to: &buffer)
        buffer.append(",\"phi\":[" as StaticString)
        for (i, x) in t.transformed[range].enumerated() {
          if i > 0 { buffer.append(UInt8(ascii: ",")) }
          if x.isFinite { buffer.append(number: x) } else { buffer.append("null" as StaticString) }
        }
        buffer.append("],\"weights\":" as StaticString)
        NumberText.appendJSONArray(t.weights[range], to: &buffer)
        buffer.append(",\"log_z\":" as StaticString)
        buffer.append(number: t.logZ[b])
        buffer.append(",\"ess\":" as StaticString)
        buffer.append(number: t.effectiveSampleSize[b])
        buffer.append(",\"kl\":" as StaticString)
        buffer.append(number: t.kl[b])
        buffer.append("}\n" as StaticString)
      }
    }
  }

  /// One batch's weights; an error about a prompt names its line and id.
  func weigh(_ batch: PromptBatch, _ options: TiltOptions) throws -> TiltedSample<Double> {
    let samples = leaveOneOut ? batch.references : batch.rewards
    let offsets = leaveOneOut ? batch.referenceOffsetsView : batch.rewardOffsetsView
    for b in 0..<batch.count where offsets[b + 1] == offsets[b] {
      throw CLIError("\(input):\(batch.lines[b]): prompt \(batch.idText(b)) has no rewards to weight")
    }
    do {
      return try samples.withUnsafeBufferPointer { (q) throws(InfAlignError) in
        try offsets.withUnsafeBufferPointer { (qo) throws(InfAlignError) in
          if leaveOneOut {
            return try TiltWeights.compute(rewards: q, rewardOffsets: qo, references: nil, referenceOffsets: nil,
                                           options: options)
          }
          return try batch.references.withUnsafeBufferPointer { (r) throws(InfAlignError) in
            try batch.referenceOffsetsView.withUnsafeBufferPointer { (ro) throws(InfAlignError) in
              try TiltWeights.compute(rewards: q, rewardOffsets: qo, references: r, referenceOffsets: ro,
                                      options: options)
            }
          }
        }
      }
    } catch {
      switch error {
      case let .nonFinite(_, b, _, _), let .emptyReferences(b, _):
        throw CLIError("\(input):\(batch.lines[b]): prompt \(batch.idText(b)): \(error)")
      default:
        throw CLIError("\(input): \(error)")
      }
    }
  }
}
