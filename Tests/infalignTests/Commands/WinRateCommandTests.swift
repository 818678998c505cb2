import Foundation
import InfAlignSolvers
import Testing
@testable import infalign

@Test func winrateCommand() throws {
  let dir = temporaryDirectory()
  let input = dir + "/samples.jsonl"
  try """
    {"id": 1, "reference_rewards": [0, 1, 2, 3], "rewards": [1.5, 2.5, 3.5]}
    {"id": 2, "reference_rewards": [5, 6, 7], "rewards": [4, 8, 6]}

    """.write(toFile: input, atomically: true, encoding: .utf8)
  let json = try run(["winrate", "--input", input, "--procedure", "bon:2", "--bootstrap", "200", "--seed", "3",
                      "--format", "json"])
  let row = try #require(jsonLines(json).first)
  let expected = try EmpiricalWinRate.estimate(policy: [[1.5, 2.5, 3.5], [4, 8, 6]], reference: [[0, 1, 2, 3], [5, 6, 7]],
                                               procedure: .bestOf(2))
  #expect(rawNumber(json, "win_rate") == (expected[0] + expected[1]) / 2)
  #expect(row["prompts"] as? Int == 2 && row["ci_low"] != nil && row["ci_high"] != nil)
  #expect(try run(["winrate", "--input", input, "--procedure", "bon:2", "--bootstrap", "200", "--seed", "3",
                   "--format", "json"]) == json)
  do {
    _ = try run(["winrate", "--input", input, "--procedure", "bon:4"])
    Issue.record("expected an error for N larger than the samples")
  } catch {
    #expect("\(error)".contains("samples.jsonl:1") && "\(error)".contains("N"))
  }
}
