import ArgumentParser
import Foundation
import InfAlignInput
import InfAlignSolvers

/// `infalign ctrl`: one CTRL step (advantages, KL estimates, PPO loss and its gradient) over a JSONL batch, with
/// the presets that reproduce verl, TRL and OpenRLHF and the inference-aware options on top.
struct CTRLCommand: RenderingCommand {
  static let configuration = CommandConfiguration(
    commandName: "ctrl",
    abstract: "One CTRL step over a JSONL batch: advantages, KL estimates, PPO loss and its gradient.",
    discussion: """
      Input: one prompt group per line, {"id", "rewards": [G], "policy_logprobs": [G], "reference_logprobs": [G]}
      with optional "old_logprobs": [G] (the PPO ratio; without it the step is on-policy) and "reference_rewards"
      (needed by --calibration reference). Every line has the same G; log-probs are per sequence (summed over
      tokens). The whole file is one step's batch.
      Output: JSONL {"id", "advantages", "loss_gradient", "k1", "k2", "k3", "calibrated", "transformed"}; the
      summary (loss, mean_k1, mean_k2, mean_k3, clipped_fraction, groups, samples) is printed on stdout.
      Presets: \(CTRLPreset.allCases.map(\.rawValue).joined(separator: ", ")) (docs/MIGRATING.md). Flags override
      the preset's values.
      """)


  @Option(help: "Input file (.jsonl).") var input: String
  @Option(help: "Output file (.jsonl).") var output: String
  @Option(help: "Preset: \(CTRLPreset.allCases.map(\.rawValue).joined(separator: ", ")).") var preset = "infalign"
  @Option(help: "Transform applied to the calibrated rewards.") var transform: String?
  @Option(
    help: "Calibration: none (raw rewards), group (leave-one-out within the group) or reference.",
    transform: CTRLFlags.word("--calibration"))
  var calibration: CTRLPreset.Calibration?
  @OptionGroup var flags: CTRLFlags
  @Option(help: "Format of the summary printed on stdout: text, json or csv.") var format: OutputFormat = .text

  func execute(into out: inout some TextOutputStream) throws {
    let chosen: CTRLPreset
    do {
      chosen = try CTRLPreset.named(preset)
    } catch {
      throw ValidationError("--preset: \(error)")
    }
    let options = try flags.apply(to: chosen.options, transform: try transform.map { try parseTransform($0) })
    let mode = calibration ?? chosen.calibration
    let batch = try CTRLInput(path: input, needsReferences: mode == .reference)
    let file = try OutputFile(path: output, inputs: [input] + TransformFile.paths(in: transform.map { [$0] } ?? []))
    let (b, g) = (batch.groups, batch.groupSize)
    let n = b * g
    // Seven output rows per sample, in one block.
    let block = UnsafeMutableBufferPointer<Double>.allocate(capacity: 7 * n)
    defer { block.deallocate() }
    block.initialize(repeating: 0)
    func slot(_ k: Int) -> UnsafeMutableBufferPointer<Double> { UnsafeMutableBufferPointer(rebasing: block[(k * n)..<((k + 1) * n)]) }
    let outputs = CTRLOutputs(
      advantages: slot(0), lossGradient: slot(1), calibrated: slot(5), transformed: slot(6), k1: slot(2), k2: slot(3),
      k3: slot(4))
    let summary: CTRLSummary
    do {
      let table: CalibrationTable<Double>? =
        mode == .reference ? try CalibrationTable(references: batch.referenceLists) : nil
      let source: CTRLCalibration<Double> = mode == .none ? .none : mode == .group ? .group : .table(table!)
      summary = try batch.withBuffers { (r, lp, lr, lo) throws(InfAlignError) in
        try CTRLStep.run(
          groups: b, groupSize: g, rewards: r, policyLogProbs: lp, referenceLogProbs: lr, oldPolicyLogProbs: lo,
          calibration: source, options: options, outputs: outputs)
      }
    } catch {
      throw batch.explain(error, file: input)
    }
    // Straight into byte blocks, formatted on the threads (formatting through String was ~60% of the command's
    // time, and the shortest round-trip digits are most of what remains).
    let keys: [StaticString] = [
      ",\"advantages\":", ",\"loss_gradient\":", ",\"k1\":", ",\"k2\":", ",\"k3\":", ",\"calibrated\":",
      ",\"transformed\":",
    ]
    let names = ["advantages", "loss_gradient", "k1", "k2", "k3", "calibrated", "transformed"]
    for k in 0..<keys.count {
      // The step returns finite values or throws; a value JSON cannot carry is an error, never `null`.
      if let j = slot(k).firstIndex(where: { !$0.isFinite }) {
        throw CLIError("\(input):\(batch.batch.lines[j / g]): prompt \(batch.batch.idText(j / g)) sample \(j % g): "
                       + "\(names[k]) is \(slot(k)[j]), not a finite number")
      }
    }
    try ParallelRowWriter().write(count: b, to: file) { (i, buffer) throws(CLIError) in
      let samples = (i * g)..<((i + 1) * g)
      buffer.append("{\"id\":" as StaticString)
      if !NumberText.appendJSONID(batch.batch, i, to: &buffer) {  // simdjson validated string ids: not expected
        throw CLIError("\(input):\(batch.batch.lines[i]): prompt \(batch.batch.idText(i)): the id is not valid UTF-8")
      }
      for k in 0..<keys.count {
        buffer.append(keys[k])
        NumberText.appendJSONArray(slot(k)[samples], to: &buffer)
      }
      buffer.append("}\n" as StaticString)
    }
    try file.commit()
    out.write(Render.rows([[
      ("loss", .number(summary.loss)), ("policy_loss", .number(summary.policyLoss)),
      ("kl_loss", .number(summary.klLoss)), ("mean_k1", .number(summary.meanK1)), ("mean_k2", .number(summary.meanK2)),
      ("mean_k3", .number(summary.meanK3)), ("clipped_fraction", .number(summary.clippedFraction)),
      ("masked", .integer(summary.maskedCount)), ("groups", .integer(b)), ("samples", .integer(n)),
      ("preset", .string(chosen.rawValue)), ("output", .string(output)),
    ]], as: format))
  }
}
