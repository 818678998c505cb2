import Foundation
import InfAlignSolvers
import Testing
@testable import infalign

/// Foundation's JSON reader on Linux rounds some shortest-form doubles by an ulp: compare to 1e-15 relative.
private func same(_ a: Any?, _ b: [Double]) -> Bool {
  guard let a = a as? [Double], a.count == b.count else { return false }
  return zip(a, b).allSatisfy { abs($0 - $1) <= 1e-15 * max(1, abs($1)) }
}

private func same(_ a: Any?, _ b: Double) -> Bool { same((a as? Double).map { [$0] }, [b]) }

/// `infalign tilt` writes what the library computes, per prompt, and the exact tilt's figures in its summary.
@Test func tiltWritesTheLibrarysWeights() throws {
  let dir = temporaryDirectory()
  let input = dir + "/in.jsonl", output = dir + "/out.jsonl"
  try """
    {"id": "a", "reference_rewards": [1, 2, 3, 4], "rewards": [2.5, 5, 0]}
    {"id": 7, "reference_rewards": [0.1, 0.2, 0.3], "rewards": [0.25]}

    """.write(toFile: input, atomically: true, encoding: .utf8)
  let summary = try run(["tilt", "--input", input, "--output", output, "--transform", "exp:3", "--kl", "0.5",
                         "--batch-size", "1", "--format", "json"])
  let figures = try #require(jsonLines(summary).first)
  let phi = try Transform(parsing: "exp:3")
  let expected = try TiltWeights.compute(
    rewards: [[2.5, 5, 0], [0.25]], references: [[1, 2, 3, 4], [0.1, 0.2, 0.3]],
    options: TiltOptions(transform: phi, strength: .kl(0.5), procedures: [try Procedure(parsing: "bon:4"),
                                                                          try Procedure(parsing: "won:4")]))
  #expect(same(figures["beta"], expected.beta))
  #expect(same(figures["win_rate_bon:4"], expected.predictions[0].winRate))
  #expect(same(figures["win_rate_won:4"], expected.predictions[1].winRate))
  #expect(figures["prompts"] as? Int == 2 && figures["samples"] as? Int == 4)
  let rows = jsonLines(try String(contentsOfFile: output, encoding: .utf8))
  #expect(rows.count == 2 && rows[0]["id"] as? String == "a" && rows[1]["id"] as? Int == 7)
  for b in 0..<2 {
    let range = expected.samples(prompt: b)
    #expect(same(rows[b]["u"], Array(expected.calibrated[range])))
    #expect(same(rows[b]["phi"], Array(expected.transformed[range])))
    #expect(same(rows[b]["weights"], Array(expected.weights[range])))
    #expect(same(rows[b]["log_z"], expected.logZ[b]))
    #expect(same(rows[b]["ess"], expected.effectiveSampleSize[b]))
    #expect(same(rows[b]["kl"], expected.kl[b]))
  }
  #expect(rows[1]["weights"] as? [Double] == [1] && rows[1]["kl"] as? Double == 0)
}

/// Leave-one-out weights the reference samples; exp:t past Double's range writes null for Φ, finite weights.
@Test func tiltLeaveOneOutAndLargeExponential() throws {
  let dir = temporaryDirectory()
  let input = dir + "/in.jsonl", output = dir + "/out.jsonl"
  try "{\"id\": 1, \"reference_rewards\": [3, 1, 2]}\n".write(toFile: input, atomically: true, encoding: .utf8)
  _ = try run(["tilt", "--input", input, "--output", output, "--leave-one-out", "--beta", "0.5"])
  let row = try #require(jsonLines(try String(contentsOfFile: output, encoding: .utf8)).first)
  #expect(row["u"] as? [Double] == [1, 0, 0.5])
  let mean = (exp(2.0) + 1 + exp(1.0)) / 3
  let weights = try #require(row["weights"] as? [Double])
  for (w, e) in zip(weights, [exp(2.0) / mean, 1 / mean, exp(1.0) / mean]) { #expect(abs(w - e) < 1e-14) }
  _ = try run(["tilt", "--input", input, "--output", output, "--leave-one-out", "--transform", "exp:2000",
               "--scaled-beta", "0.1"])
  let large = try #require(jsonLines(try String(contentsOfFile: output, encoding: .utf8)).first)
  let phi = try #require(large["phi"] as? [Any])
  #expect(phi[0] is NSNull && phi[1] as? Double == 1)
  #expect((large["weights"] as? [Double])?.allSatisfy { $0.isFinite } == true)
}

/// Errors name the line and prompt; the strength is one of three.
@Test func tiltErrorsNameTheLineAndPrompt() throws {
  let dir = temporaryDirectory()
  let input = dir + "/in.jsonl", output = dir + "/out.jsonl"
  try "{\"id\": \"p\", \"reference_rewards\": [1, 2]}\n{\"id\": \"q\", \"reference_rewards\": [5]}\n"
    .write(toFile: input, atomically: true, encoding: .utf8)
  #expect(throws: CLIError.self) { _ = try run(["tilt", "--input", input, "--output", output, "--leave-one-out", "--beta", "1"]) }
  do {
    _ = try run(["tilt", "--input", input, "--output", output, "--leave-one-out", "--beta", "1"])
  } catch {
    #expect("\(error)".contains(":2: prompt q"), "\(error)")
  }
  #expect(!FileManager.default.fileExists(atPath: output))
  #expect(throws: (any Error).self) {
    _ = try run(["tilt", "--input", input, "--output", output, "--beta", "1", "--kl", "1"])
  }
  try "{\"id\": \"r\", \"reference_rewards\": [1, 2], \"rewards\": []}\n".write(toFile: input, atomically: true, encoding: .utf8)
  do {
    _ = try run(["tilt", "--input", input, "--output", output, "--beta", "1"])
    Issue.record("an empty group was weighted")
  } catch {
    #expect("\(error)".contains(":1: prompt r has no rewards to weight"), "\(error)")
  }
}
