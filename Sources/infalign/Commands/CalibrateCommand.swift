import ArgumentParser
import Foundation
import InfAlignInput
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
  @Option(parsing: .unconditional, help: "Prompts per batch (memory stays within three batches: one being read, one calibrated, one written).") var batchSize = 512
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
    let progress = Progress(label: "calibrate")
    // Batch k+1 is read and parsed while batch k is calibrated and batch k−1 written: three batches in memory.
    let pipeline = BatchPipeline(slots: (0..<3).map { _ in CalibrationSlot() })
    let (input, leaveOneOut, batchSize) = (input, leaveOneOut, batchSize)
    try pipeline.run(
      read: { slot in try reader.read(into: &slot.batch, limit: batchSize) },
      compute: { slot in try slot.compute(input: input, leaveOneOut: leaveOneOut, options: options, transform: phi) },
      write: { slot in
        let batch = slot.batch
        for b in 0..<(slot.advantageFailure?.prompt ?? batch.count) {
          let range = leaveOneOut ? batch.referenceRange(b) : batch.rewardRange(b)
          try writer.prompt(batch, b, rewards: leaveOneOut ? batch.references[range] : batch.rewards[range],
                            calibrated: slot.calibrated[range], transformed: slot.transformed[range],
                            advantages: slot.advantages[b])
          samples += range.count
        }
        if let failure = slot.advantageFailure { throw failure.error }
        prompts += batch.count
        progress.report("\(prompts) prompts")
      })
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
