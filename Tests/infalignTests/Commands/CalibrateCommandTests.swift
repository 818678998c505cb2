import Foundation
import InfAlignSolvers
import Testing
@testable import infalign

@Test func calibrateJSONLAndCSV() throws {
  let dir = temporaryDirectory()
  let input = dir + "/in.jsonl", output = dir + "/out.jsonl"
  try """
    {"id": "a", "reference_rewards": [1, 2, 3, 4], "rewards": [2.5, 5, 0], "policy_logprobs": [-1, -2, -3], "reference_logprobs": [-1, -1, -1]}
    {"id": 7, "reference_rewards": [0.1, 0.2], "rewards": [0.2]}

    """.write(toFile: input, atomically: true, encoding: .utf8)
  let summary = try run(["calibrate", "--input", input, "--output", output, "--transform", "exp:2", "--format", "json"])
  #expect(jsonLines(summary).first?["prompts"] as? Int == 2)
  let rows = jsonLines(try String(contentsOfFile: output, encoding: .utf8))
  #expect(rows.count == 2)
  #expect(rows[0]["id"] as? String == "a" && rows[1]["id"] as? Int == 7)
  #expect(rows[0]["calibrated"] as? [Double] == [0.5, 1, 0])
  #expect(rows[1]["calibrated"] as? [Double] == [0.75])
  let transformed = try #require(rows[0]["transformed"] as? [Double])
  #expect(transformed == [exp(1.0), exp(2.0), 1])
  let advantages = try #require(rows[0]["advantages"] as? [Double])
  // Advantages come from the printed transformed values (calibrated once): leave-one-out baselines of exactly them.
  let rloo = transformed.indices.map { i in transformed[i] - (transformed.reduce(0, +) - transformed[i]) / 2 }
  for (a, r) in zip(advantages, rloo) { #expect(abs(a - r) <= 1e-12 * max(1, abs(r))) }
  #expect(advantages.count == 3)
  #expect(rows[1]["advantages"] == nil)
  // Long-form CSV in and out, with smoothing.
  let csvIn = dir + "/in.csv", csvOut = dir + "/out.csv"
  try "id,source,reward\np1,reference,1\np1,reference,2\np1,policy,1.5\np2,reference,3\np2,policy,9\n"
    .write(toFile: csvIn, atomically: true, encoding: .utf8)
  _ = try run(["calibrate", "--input", csvIn, "--output", csvOut, "--smooth"])
  let csv = try String(contentsOfFile: csvOut, encoding: .utf8)
  #expect(csv == "id,index,reward,calibrated,transformed\np1,0,1.5,0.5,0.5\np2,0,9.0,0.75,0.75\n")
  // Leave-one-out: the references calibrated against themselves.
  _ = try run(["calibrate", "--input", input, "--output", output, "--leave-one-out", "--batch-size", "1"])
  let loo = jsonLines(try String(contentsOfFile: output, encoding: .utf8))
  #expect(loo[0]["calibrated"] as? [Double] == [0, 1.0 / 3, 2.0 / 3, 1])
}

@Test func calibrateErrorsNameTheLineAndLeaveNoOutput() throws {
  let dir = temporaryDirectory()
  let cases: [(String, String, String)] = [
    ("bad.jsonl", "{\"id\": \"a\", \"reference_rewards\": [1], \"rewards\": [1]}\n{\"id\": \"b\", \"reference_rewards\": [], \"rewards\": [1]}\n", "bad.jsonl:2"),
    ("bool.jsonl", "{\"id\": \"a\", \"reference_rewards\": [1, true], \"rewards\": [1]}\n", "element 1 is not a number"),
    ("broken.jsonl", "{\"id\": \"a\", \"reference_rewards\": [1, 2\n", "broken.jsonl:1"),
    ("missing.jsonl", "{\"id\": \"a\", \"rewards\": [1]}\n", "reference_rewards"),
    ("bad.csv", "id,source,reward\np1,reference,1\np1,teacher,2\n", "bad.csv:3"),
    ("nan.csv", "id,source,reward\np1,reference,nan\n", "not a finite number"),
    ("split.csv", "id,source,reward\np1,reference,1\np2,reference,1\np1,policy,1\n", "not contiguous"),
  ]
  for (name, content, message) in cases {
    let input = dir + "/" + name, output = dir + "/out-" + name
    try content.write(toFile: input, atomically: true, encoding: .utf8)
    do {
      _ = try run(["calibrate", "--input", input, "--output", output])
      Issue.record("\(name): expected an error")
    } catch {
      #expect("\(error)".contains(message), "\(name): \(error)")
    }
    #expect(!FileManager.default.fileExists(atPath: output), "\(name) left an output file")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
    #expect(leftovers.isEmpty)
  }
}
