import Foundation
import Testing
@testable import infalign

/// Options that used to exit 0 with nothing, print nan/null, trap or allocate hundreds of GB: each is now one
/// line naming the option and its value.
@Test func badOptionValuesAreNamedErrors() throws {
  let dir = temporaryDirectory()
  let input = dir + "/in.jsonl"
  try "{\"id\": 1, \"reference_rewards\": [0, 1, 2, 3], \"rewards\": [1.5, 2.5]}\n".write(toFile: input, atomically: true, encoding: .utf8)
  let cases: [([String], String)] = [
    // Negative values reach the option's own check instead of "Missing value".
    (["winrate", "--input", input, "--level", "-0.5"], "--level must be strictly between 0 and 1, got -0.5"),
    (["winrate", "--input", input, "--bootstrap", "-5"], "--bootstrap must be 0 (no interval) or more resamples, got -5"),
    (["tuning-table", "--grid", "0"], "--grid must be at least 8 (got 0)"),
    (["tuning-table", "--n", ""], "--n: give at least one N"),
    (["tuning-table", "--kl", ""], "--kl: give at least one KL budget"),
    (["demo", "--kl", ""], "--kl: give at least one KL budget"),
    (["demo", "--prompts", "1000000000", "--candidates", "1000000000"], "--prompts 1000000000 × --candidates 1000000000: 1000000000000000000 candidates need"),
    (["demo", "--prompts", "\(Int.max)", "--candidates", "4"], "candidates need more than"),
    (["bench", "calibrate", "--prompts", "\(Int.max)"], "--prompts 9223372036854775807 × --references 1024"),
    (["bench", "ctrl-step", "--groups", "100000000000"], "--groups 100000000000 × --group-size 16"),
    (["bench", "gemm", "--m", "10000000", "--n", "10000000"], "--m 10000000 × --k 1024"),
  ]
  for (arguments, message) in cases {
    let printed = failure(arguments)
    #expect(printed?.contains(message) == true, "\(arguments): \(printed ?? "succeeded")")
  }
}

@Test func calibrateNeverWritesNull() throws {
  let dir = temporaryDirectory()
  let input = dir + "/in.jsonl"
  try "{\"id\": \"a\", \"reference_rewards\": [0, 1], \"rewards\": [2, -1]}\n".write(toFile: input, atomically: true, encoding: .utf8)
  for transform in ["exp:1000", "log:none", "logit:none"] {
    let message = failure(["calibrate", "--input", input, "--output", dir + "/out.jsonl", "--transform", transform])
    #expect(message?.contains("in.jsonl:1: prompt a sample") == true, "\(transform): \(message ?? "succeeded")")
    #expect(!FileManager.default.fileExists(atPath: dir + "/out.jsonl"))
  }
  // Advantages from a table transform near the largest double overflow: an error, not null.
  try "u,R\n0,-1e308\n1,1e308\n".write(toFile: dir + "/t.csv", atomically: true, encoding: .utf8)
  try "{\"id\": \"b\", \"reference_rewards\": [0, 1], \"rewards\": [2, -1], \"policy_logprobs\": [-1, -1], \"reference_logprobs\": [-1, -1]}\n"
    .write(toFile: input, atomically: true, encoding: .utf8)
  let message = failure(["calibrate", "--input", input, "--output", dir + "/out.jsonl", "--transform", "table:" + dir + "/t.csv"])
  #expect(message?.contains("in.jsonl:1: prompt b") == true, "\(message ?? "succeeded")")
}
