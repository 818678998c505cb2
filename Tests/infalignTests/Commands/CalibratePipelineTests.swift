import Foundation
import Testing
@testable import infalign

/// `infalign calibrate` reads batch k+1 while batch k is calibrated and batch k−1 written; the output and the
/// error are those of a batch-by-batch loop: the same bytes for any batch size, and the first error in file order
/// whichever stage meets it (a parse error in a later batch never hides an earlier batch's calibration, transform
/// or advantage error).
@Test func calibrateOutputDoesNotDependOnTheBatchSize() throws {
  let dir = temporaryDirectory()
  let input = dir + "/in.jsonl"
  var lines: [String] = []
  for i in 0..<200 {
    let refs = (0..<(1 + i % 7)).map { String(Double(($0 * 37 + i * 11) % 19) / 4) }.joined(separator: ", ")
    let logProbs = i % 3 == 0 ? ", \"policy_logprobs\": [-1, -2], \"reference_logprobs\": [-1.5, -1]" : ""
    lines.append("{\"id\": \"p\(i)\", \"reference_rewards\": [\(refs)], \"rewards\": [\(Double(i % 5)), 1.25]\(logProbs)}")
  }
  try (lines.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
  var outputs: [String] = []
  for batch in [1, 2, 7, 64, 1000] {
    let output = dir + "/out-\(batch).jsonl"
    _ = try run(["calibrate", "--input", input, "--output", output, "--transform", "exp:2", "--batch-size", "\(batch)"])
    outputs.append(try String(contentsOfFile: output, encoding: .utf8))
  }
  #expect(Set(outputs).count == 1)
  #expect(outputs[0].split(separator: "\n").count == 200)
}

@Test func calibratePipelineReportsTheFirstErrorInFileOrder() throws {
  let dir = temporaryDirectory()
  let good = #"{"id": "g", "reference_rewards": [1, 2, 3], "rewards": [2]}"#
  let one = #"{"id": "one", "reference_rewards": [1], "rewards": [2]}"#
  let broken = #"{"id": "b", "reference_rewards": [1, 2"#
  let big = #"{"id": "big", "reference_rewards": [1, 2, 3], "rewards": [5, 0]}"#
  let adv = #"{"id": "adv", "reference_rewards": [1, 2, 3], "rewards": [2, 1], "policy_logprobs": [1e308, 0], "reference_logprobs": [-1e308, 0]}"#
  // (lines, options, the error for batch sizes 1-3: an earlier line's error beats the broken line 5)
  let cases: [([String], [String], String)] = [
    ([good, good, one, good, broken], ["--leave-one-out"], ":3: prompt one has 1 reference reward(s)"),
    ([good, good, big, good, broken], ["--transform", "exp:800"], ":3: prompt big sample 0: --transform exp:800"),
    ([good, adv, big, good, broken], ["--transform", "exp:800"], ":2: prompt adv: advantages:"),
    ([good, big, adv, good, broken], ["--transform", "exp:800"], ":2: prompt big sample 0"),
    ([good, good, good, broken, one], ["--leave-one-out"], ":4: not a valid JSON object"),
  ]
  for (k, (lines, options, message)) in cases.enumerated() {
    let input = dir + "/e\(k).jsonl"
    try (lines.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
    for batch in [1, 2, 3] {
      let output = dir + "/out-\(k)-\(batch).jsonl"
      do {
        _ = try run(["calibrate", "--input", input, "--output", output, "--batch-size", "\(batch)"] + options)
        Issue.record("case \(k), batch size \(batch): expected an error")
      } catch {
        #expect("\(error)".contains("e\(k).jsonl" + message), "case \(k), batch size \(batch): \(error)")
      }
      #expect(!FileManager.default.fileExists(atPath: output), "case \(k): no output after an error")
    }
  }
  let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
  #expect(left.isEmpty, "temporary files left: \(left)")
}

/// The pipeline itself: slots are written in the order they were read, with stages of uneven speed, and an error
/// in any stage is reported after every earlier batch was written and before any later one.
@Test func batchPipelineKeepsOrderAndReportsTheFirstError() throws {
  final class Slot { var value = -1 }
  struct Failure: Error, Equatable { let stage: String, batch: Int }
  for failing in [nil, ("read", 5), ("compute", 5), ("write", 5), ("compute", 0), ("read", 0)] as [(String, Int)?] {
    var next = 0, written: [Int] = []
    let pipeline = BatchPipeline(slots: (0..<3).map { _ in Slot() })
    do {
      try pipeline.run(
        read: { slot in
          if next == 12 { return false }
          if let failing, failing == ("read", next) { throw Failure(stage: "read", batch: next) }
          slot.value = next
          next += 1
          if next % 3 == 0 { usleep(200) }
          return true
        },
        compute: { slot in
          if let failing, failing == ("compute", slot.value) { throw Failure(stage: "compute", batch: slot.value) }
          if slot.value % 4 == 1 { usleep(300) }
        },
        write: { slot in
          if let failing, failing == ("write", slot.value) { throw Failure(stage: "write", batch: slot.value) }
          if slot.value % 5 == 2 { usleep(300) }
          written.append(slot.value)
        })
      #expect(failing == nil)
      #expect(written == Array(0..<12))
    } catch let error as Failure {
      let failing = try #require(failing)
      #expect(error == Failure(stage: failing.0, batch: failing.1))
      #expect(written == Array(0..<failing.1), "\(failing): wrote \(written)")
    }
  }
}
