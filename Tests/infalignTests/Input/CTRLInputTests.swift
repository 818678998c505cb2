import Foundation
import InfAlignInput
import Testing

/// Texts whose doubles Foundation's JSONSerialization (the reader `infalign ctrl` had before) did not always give
/// bit for bit: 17 significant digits, subnormals, the extremes.
private let exactTexts = [
  "0.30000000000000004", "5e-324", "1.7976931348623157e308", "-2.2250738585072014e-308", "2.225073858507201e-308",
  "4.9406564584124654e-324", "0.1", "-0.0", "9007199254740993", "1.0000000000000002", "0.99999999999999989",
  "123456.78901234567",
]

/// Every field `infalign ctrl` reads goes through simdjson exactly: each text above, in each field, gives the
/// same bits as Swift's correctly rounded parser.
@Test func ctrlInputReadsSeventeenDigitDoublesBitExactly() throws {
  let g = exactTexts.count
  func rotated(_ k: Int) -> [String] { (0..<g).map { exactTexts[($0 + k) % g] } }
  let keys = ["rewards", "policy_logprobs", "reference_logprobs", "old_logprobs", "reference_rewards"]
  let lines = (0..<g).map { line in
    "{\"id\": \(line), " + keys.enumerated().map { "\"\($1)\": [\(rotated(line + $0).joined(separator: ", "))]" }
      .joined(separator: ", ") + "}"
  }
  let path = temporaryDirectory() + "/exact.jsonl"
  try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
  let input = try CTRLInput(path: path, needsReferences: true)
  #expect(input.groups == g && input.groupSize == g && input.hasOld)
  let b = input.batch
  for (k, values) in [b.rewards, b.policyLogProbs, b.referenceLogProbs, b.oldLogProbs, b.references].enumerated() {
    let want = (0..<g).flatMap { rotated($0 + k) }.map { Double($0)! }
    #expect(values.map(\.bitPattern) == want.map(\.bitPattern), "\(keys[k])")
  }
}

/// Errors name the file, the line and the field (and the prompt once its id is known), on one line.
@Test func ctrlInputErrorsNameTheLineAndField() throws {
  let good = #"{"id": "a", "rewards": [1, 2], "policy_logprobs": [-1, -2], "reference_logprobs": [-1, -1]}"#
  let cases: [(String, Bool, String)] = [
    (good + "\n" + #"{"id": "b", "rewards": [1, 1e400], "policy_logprobs": [-1, -2], "reference_logprobs": [-1, -1]}"#,
     false, "in.jsonl:2: not a valid JSON object"),
    (#"{"id": "a", "rewards": [1, 2], "policy_logprobs": [-1, -2], "reference_logprobs": [-1, -1], "old_logprobs": [0, 0], "old_logprobs": [0, 0]}"#,
     false, "in.jsonl:1: duplicate field \"old_logprobs\""),
    (#"{"id": "a", "rewards": [1, 2], "policy_logprobs": [-1, -2], "reference_logprobs": [-1, -1], "old_logprobs": [0, "x"]}"#,
     false, "in.jsonl:1: field \"old_logprobs\" element 1 is not a number"),
    (#"{"id": "a", "rewards": [1, 2], "policy_logprobs": [-1, -2], "reference_logprobs": [-1, -1], "old_logprobs": [0]}"#,
     false, "in.jsonl:1: field \"old_logprobs\" has 1 entries but \"rewards\" has 2 (prompt a)"),
    (#"{"id": "a\nb", "rewards": [1, 2], "policy_logprobs": [-1, -2], "reference_logprobs": [-1, -1], "reference_rewards": []}"#,
     true, "in.jsonl:1: field \"reference_rewards\" is empty (prompt a\\nb)"),
    (good.replacingOccurrences(of: "\"rewards\": [1, 2], ", with: ""), false, "in.jsonl:1: missing field \"rewards\" (prompt a)"),
    ("\n \n", false, "in.jsonl: no prompt groups"),
  ]
  let path = temporaryDirectory() + "/in.jsonl"
  for (content, needsReferences, message) in cases {
    try content.write(toFile: path, atomically: true, encoding: .utf8)
    do {
      _ = try CTRLInput(path: path, needsReferences: needsReferences)
      Issue.record("expected an error: \(message)")
    } catch {
      #expect(error.description.contains(message), "\(error)")
      #expect(!error.description.contains("\n"))
    }
  }
}
