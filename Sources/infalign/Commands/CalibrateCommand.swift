import ArgumentParser
import Foundation
import InfAlignSolvers

/// `infalign calibrate`: calibrated (and transformed) rewards for reward files, streamed in batches.
struct CalibrateCommand: RenderingCommand {
  static let configuration = CommandConfiguration(
    commandName: "calibrate",
    abstract: "Calibrate rewards against reference rewards per prompt (JSONL or long-form CSV in, JSONL or CSV out).",
    discussion: """
      JSONL input: one prompt per line, {"id": ..., "reference_rewards": [...], "rewards": [...]} with optional
      "policy_logprobs" and "reference_logprobs" (then RLOO advantages of the transformed rewards are written too).
      CSV input (.csv): header id,source,reward; source is reference or policy; a prompt's rows are contiguous.
      Output: JSONL with "id", "calibrated", "transformed" (and "advantages"), or long-form CSV when --output ends
      in .csv. The output file appears only when everything succeeded.
      """)

  @Option(help: "Input file (.jsonl or .csv).") var input: String
  @Option(help: "Output file (.jsonl or .csv).") var output: String
  @Option(help: "Transform applied to the calibrated rewards.") var transform: String = "identity"
  @Flag(help: "The rewards are the reference samples themselves: leave each one out of its own calibration.")
  var leaveOneOut = false
  @Flag(help: "Smoothed calibration (count + 1/2)/(M + 1), keeping values off 0 and 1.") var smooth = false
  @Option(help: "Prompts per batch (memory does not grow beyond one batch).") var batchSize = 512
  @Option(help: "Format of the summary printed on stdout: text, json or csv.") var format: OutputFormat = .text

  func validate() throws {
    if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
  }

  func execute(into out: inout some TextOutputStream) throws {
    let phi = try parseTransform(transform)
    var reader = try PromptReader(path: input, requireRewards: !leaveOneOut)
    let file = try OutputFile(path: output, inputs: [input] + TransformFile.paths(in: [transform]))
    let csvOutput = output.lowercased().hasSuffix(".csv")
    if csvOutput { try file.write("id,index,reward,calibrated,transformed\n") }
    let options = CalibrationOptions(leaveOneOut: leaveOneOut, smoothing: smooth)
    var prompts = 0, samples = 0
    var batch: [PromptRecord] = []
    let progress = Progress(label: "calibrate")

    func flush() throws {
      if batch.isEmpty { return }
      // References are used once per batch: one-shot calibration (direct counts for few queries, else a sort).
      let references = batch.map(\.referenceRewards)
      let queries = leaveOneOut ? references : batch.map(\.rewards)
      let calibrated: [[Double]]
      do {
        calibrated = try OneShotCalibration.calibrate(references: references, queries: queries, options: options)
      } catch {
        if case let .emptyReferences(prompt, count) = error {
          throw CLIError("\(input):\(batch[prompt].line): prompt \(batch[prompt].idText) has \(count) reference reward(s); leave-one-out needs at least 2")
        }
        throw CLIError("\(input): \(error)")
      }
      for (b, record) in batch.enumerated() {
        let transformed = calibrated[b].map { phi.value($0) }
        var advantages: [Double]? = nil
        if let lp = record.policyLogProbs, let lr = record.referenceLogProbs, !leaveOneOut, !record.rewards.isEmpty {
          let single = try CalibrationTable(references: [record.referenceRewards])
          let k = record.rewards.count
          let result = try CTRLStep.run(
            rewards: Matrix(rows: 1, columns: k, storage: record.rewards),
            policyLogProbs: Matrix(rows: 1, columns: k, storage: lp),
            referenceLogProbs: Matrix(rows: 1, columns: k, storage: lr), calibration: .table(single),
            options: CTRLOptions(transform: phi, smoothing: smooth))
          advantages = result.advantages.storage
        }
        if csvOutput {
          for (i, c) in calibrated[b].enumerated() {
            let reward = (leaveOneOut ? record.referenceRewards : record.rewards)[i]
            try file.write("\(Render.csvEscape(record.idText)),\(i),\(reward),\(c),\(transformed[i])\n")
          }
        } else {
          var line = "{\"id\":\(record.idJSON),\"calibrated\":\(Field.array(calibrated[b]).json),"
            + "\"transformed\":\(Field.array(transformed).json)"
          if let advantages { line += ",\"advantages\":\(Field.array(advantages).json)" }
          try file.write(line + "}\n")
        }
        samples += calibrated[b].count
      }
      prompts += batch.count
      progress.report("\(prompts) prompts")
      batch.removeAll(keepingCapacity: true)
    }

    while let record = try reader.next() {
      batch.append(record)
      if batch.count >= batchSize { try flush() }
    }
    try flush()
    try file.commit()
    progress.finish()
    out.write(Render.rows([[("prompts", .integer(prompts)), ("samples", .integer(samples)), ("output", .string(output))]],
                          as: format))
  }
}
