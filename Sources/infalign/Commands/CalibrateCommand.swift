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
  @Option(parsing: .unconditional, help: "Prompts per batch (memory does not grow beyond one batch).") var batchSize = 512
  @Option(help: "Format of the summary printed on stdout: text, json or csv.") var format: OutputFormat = .text

  func validate() throws {
    if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
  }

  func execute(into out: inout some TextOutputStream) throws {
    let phi = try parseTransform(transform)
    let reader = try PromptReader(path: input, requireRewards: !leaveOneOut)
    let file = try OutputFile(path: output, inputs: [input] + TransformFile.paths(in: [transform]))
    let writer = CalibrationWriter(file: file, csv: output.lowercased().hasSuffix(".csv"), input: input,
                                   transform: transform, leaveOneOut: leaveOneOut)
    try writer.header()
    let options = CalibrationOptions(leaveOneOut: leaveOneOut, smoothing: smooth)
    var prompts = 0, samples = 0
    var batch = PromptBatch()
    var calibrated: [Double] = [], transformed: [Double] = []
    let progress = Progress(label: "calibrate")
    while try reader.read(into: &batch, limit: batchSize) {
      // References are used once per batch: one-shot calibration (direct counts for few queries, else a sort).
      let queries = leaveOneOut ? batch.references : batch.rewards
      let queryOffsets = leaveOneOut ? batch.referenceOffsetsView : batch.rewardOffsetsView
      calibrated.removeAll(keepingCapacity: true)
      calibrated.append(contentsOf: repeatElement(0, count: queries.count))
      do {
        try batch.references.withUnsafeBufferPointer { (r) throws(InfAlignError) in
          try batch.referenceOffsetsView.withUnsafeBufferPointer { (ro) throws(InfAlignError) in
            try queries.withUnsafeBufferPointer { (q) throws(InfAlignError) in
              try queryOffsets.withUnsafeBufferPointer { (qo) throws(InfAlignError) in
                try calibrated.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
                  try OneShotCalibration.calibrate(references: r, referenceOffsets: ro, queries: q, queryOffsets: qo,
                                                   into: o, options: options)
                }
              }
            }
          }
        }
      } catch {
        if case let .emptyReferences(prompt, count) = error {
          throw CLIError("\(input):\(batch.lines[prompt]): prompt \(batch.idText(prompt)) has \(count) reference reward(s); leave-one-out needs at least 2")
        }
        throw CLIError("\(input): \(error)")
      }
      transformed.removeAll(keepingCapacity: true)
      for c in calibrated { transformed.append(phi.value(c)) }
      for b in 0..<batch.count {
        let range = leaveOneOut ? batch.referenceRange(b) : batch.rewardRange(b)
        var advantages: [Double]? = nil
        if let lp = batch.logProbRange(b), !leaveOneOut {
          do {
            advantages = try Self.advantages(batch, policy: lp, transformed: transformed[range])
          } catch {
            throw CLIError("\(input):\(batch.lines[b]): prompt \(batch.idText(b)): advantages: \(error)")
          }
        }
        try writer.prompt(batch, b, rewards: leaveOneOut ? batch.references[range] : batch.rewards[range],
                          calibrated: calibrated[range], transformed: transformed[range], advantages: advantages)
        samples += range.count
      }
      prompts += batch.count
      progress.report("\(prompts) prompts")
    }
    try file.commit()
    progress.finish()
    out.write(Render.rows([[("prompts", .integer(prompts)), ("samples", .integer(samples)), ("output", .string(output))]],
                          as: format))
  }

  /// RLOO advantages of a prompt from its transformed values as printed (calibrated once, here; the CTRL step
  /// gets them as its rewards with no calibration of its own, so `transformed` and `advantages` always agree).
  static func advantages(_ batch: PromptBatch, policy lp: Range<Int>, transformed: ArraySlice<Double>) throws
    -> [Double]
  {
    let k = lp.count
    let result = try CTRLStep.run(
      rewards: Matrix(rows: 1, columns: k, storage: Array(transformed)),
      policyLogProbs: Matrix(rows: 1, columns: k, storage: Array(batch.policyLogProbs[lp])),
      referenceLogProbs: Matrix(rows: 1, columns: k, storage: Array(batch.referenceLogProbs[lp])),
      calibration: .none, options: CTRLOptions())
    return result.advantages.storage
  }
}
