import Foundation
import InfAlignSolvers
import Testing
@testable import infalign

private let batch = """
  {"id": "a", "rewards": [1, 0, 1, 1], "policy_logprobs": [-1, -2, -3, -4], "reference_logprobs": [-1.5, -2, -2, -5], "old_logprobs": [-1.2, -2, -2.5, -4], "reference_rewards": [0, 1, 0.5]}
  {"id": 7, "rewards": [0.5, 0.5, 0.5, 0.5], "policy_logprobs": [-1, -1, -1, -1], "reference_logprobs": [-1, -1, -1, -1], "old_logprobs": [-1, -1, -1, -1], "reference_rewards": [1]}

  """

/// The command gives the library's numbers for the preset with the flags applied, and the documented keys.
@Test func ctrlCommandMatchesTheLibrary() throws {
  let dir = temporaryDirectory()
  let input = dir + "/in.jsonl", output = dir + "/out.jsonl"
  try batch.write(toFile: input, atomically: true, encoding: .utf8)
  for (arguments, preset, calibration) in [
    (["--preset", "verl-grpo"], CTRLPreset.verlGRPO, CTRLCalibration<Double>.none),
    (["--preset", "trl-grpo", "--kl-loss-coefficient", "0.04", "--kl-loss-estimator", "k3"], .trlGRPO, .none),
    (["--calibration", "reference", "--transform", "exp:2", "--estimator", "max@k", "--k", "2"], .infalign,
     .table(try CalibrationTable(references: [[0, 1, 0.5], [1]]))),
  ] {
    let summary = try run(["ctrl", "--input", input, "--output", output, "--format", "json"] + arguments)
    let json = try #require(jsonLines(summary).first)
    for key in ["loss", "mean_k1", "mean_k2", "mean_k3", "clipped_fraction", "groups", "samples"] {
      #expect(json[key] != nil, "\(key)")
    }
    #expect(json["groups"] as? Int == 2 && json["samples"] as? Int == 8)
    var options = preset.options
    if arguments.contains("trl-grpo") { options.klLoss = .init(coefficient: 0.04, estimator: .k3) }
    if preset == .infalign {
      options.transform = try .exponential(rate: 2)
      options.estimator = .maxAtK(k: 2, baseline: .groupMean)
    }
    let want = try CTRLStep.run(
      rewards: Matrix([[1, 0, 1, 1], [0.5, 0.5, 0.5, 0.5]]), policyLogProbs: Matrix([[-1, -2, -3, -4], [-1, -1, -1, -1]]),
      referenceLogProbs: Matrix([[-1.5, -2, -2, -5], [-1, -1, -1, -1]]),
      oldPolicyLogProbs: Matrix([[-1.2, -2, -2.5, -4], [-1, -1, -1, -1]]), calibration: calibration, options: options)
    let rows = jsonLines(try String(contentsOfFile: output, encoding: .utf8))
    #expect(rows.count == 2 && rows[0]["id"] as? String == "a" && rows[1]["id"] as? Int == 7)
    for (key, matrix) in [("advantages", want.advantages), ("loss_gradient", want.lossGradient), ("k1", want.k1),
                          ("k2", want.k2), ("k3", want.k3), ("calibrated", want.calibrated),
                          ("transformed", want.transformed)] {
      // Foundation's JSON reader can be 1 ulp off the shortest round-trip text the command writes.
      let got = rows.flatMap { $0[key] as? [Double] ?? [] }
      #expect(got.count == matrix.storage.count, "\(key)")
      for (x, y) in zip(got, matrix.storage) { #expect(abs(x - y) <= 1e-15 * max(1, abs(y)), "\(key) \(arguments)") }
    }
    #expect(rawNumber(summary, "loss") == want.summary.loss)
  }
}

/// Bad input as for `calibrate`: one error naming the file, line and field; no output file.
@Test func ctrlCommandErrorsNameTheLineAndLeaveNoOutput() throws {
  let dir = temporaryDirectory()
  let good = #"{"id": "a", "rewards": [1, 2], "policy_logprobs": [-1, -2], "reference_logprobs": [-1, -1]}"#
  let cases: [(String, [String], String)] = [
    (good + "\n" + #"{"id": "b", "rewards": [1], "policy_logprobs": [-1], "reference_logprobs": [-1]}"#, [],
     "in.jsonl:2: field \"rewards\" has 1 entries"),
    (#"{"id": "a", "rewards": [1, 2], "policy_logprobs": [-1, true], "reference_logprobs": [-1, -1]}"#, [],
     "in.jsonl:1: field \"policy_logprobs\" element 1 is not a number"),
    (#"{"id": "a", "rewards": [1, 2], "policy_logprobs": [-1], "reference_logprobs": [-1, -1]}"#, [],
     "field \"policy_logprobs\" has 1 entries"),
    (#"{"id": "a", "rewards": [1, 2], "reference_logprobs": [-1, -1]}"#, [], "in.jsonl:1: missing field \"policy_logprobs\""),
    (good + "\n" + #"{"id": "b", "rewards": [1, 2], "policy_logprobs": [-1, -2], "reference_logprobs": [-1, -1], "old_logprobs": [0, 0]}"#,
     [], "in.jsonl:2: field \"old_logprobs\""),
    (good, ["--calibration", "reference"], "in.jsonl:1: missing field \"reference_rewards\""),
    (#"{"id": "a", "rewards": [1, 2], "policy_logprobs": [-1, 1e300], "reference_logprobs": [-1, -1e300]}"#,
     ["--kl-reward-coefficient", "0.1"], "in.jsonl:1: sample 1"),
    (good, ["--preset", "verl"], "preset"),
    (good, ["--std-floor=-1", "--scale", "group"], "stdFloor"),
    (good, ["--estimator", "max@k"], "--k"),
    ("{\"id\": \"a\", \"rewards\": [1, 2\n", [], "in.jsonl:1: not a valid JSON object"),
  ]
  for (content, arguments, message) in cases {
    let input = dir + "/in.jsonl", output = dir + "/out.jsonl"
    try content.write(toFile: input, atomically: true, encoding: .utf8)
    do {
      _ = try run(["ctrl", "--input", input, "--output", output] + arguments)
      Issue.record("expected an error: \(message)")
    } catch {
      #expect("\(error)".contains(message), "\(error)")
      #expect(!"\(error)".contains("\n"), "one line: \(error)")
    }
    #expect(!FileManager.default.fileExists(atPath: output), "\(message) left an output file")
  }
}

/// Rewards reach the step and the output bit for bit (simdjson in, shortest round-trip digits out): with no
/// calibration and the identity transform, "transformed" prints the input's own 17-digit texts.
@Test func ctrlCommandEchoesSeventeenDigitRewardsExactly() throws {
  let dir = temporaryDirectory()
  let input = dir + "/in.jsonl", output = dir + "/out.jsonl"
  let rewards = "[0.30000000000000004,5e-324,0.1,1.0000000000000002,-2.2250738585072014e-308]"
  try (#"{"id": "a", "rewards": "# + rewards + #", "policy_logprobs": [-1, -2, -3, -4, -5], "reference_logprobs": [-1, -1, -1, -1, -1]}"#)
    .write(toFile: input, atomically: true, encoding: .utf8)
  _ = try run(["ctrl", "--input", input, "--output", output, "--calibration", "none", "--transform", "identity"])
  let text = try String(contentsOfFile: output, encoding: .utf8)
  #expect(text.contains("\"transformed\":" + rewards), "\(text)")
}
