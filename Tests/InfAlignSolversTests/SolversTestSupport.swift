@_exported import InfAlignTestSupport
import InfAlignSolvers
import Testing

/// Parsing `text` throws ``InfAlignError/parse(kind:text:reason:)`` of `kind` that quotes the text and gives a reason.
func expectParseError<Parsed>(
  kind: String, _ text: String, _ parse: (String) throws(InfAlignError) -> Parsed,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  do {
    let parsed = try parse(text)
    Issue.record("\"\(text)\" parsed as \(parsed)", sourceLocation: sourceLocation)
  } catch {
    guard case let .parse(failedKind, failedText, reason) = error else {
      Issue.record("\(error)", sourceLocation: sourceLocation)
      return
    }
    #expect(failedKind == kind, sourceLocation: sourceLocation)
    #expect(failedText == text, sourceLocation: sourceLocation)
    #expect(error.description.contains("\"\(text)\""), "\(error)", sourceLocation: sourceLocation)
    #expect(!reason.isEmpty, sourceLocation: sourceLocation)
  }
}

/// A seeded policy task for the policy tests: `b` prompts of `k` responses, reference log-probs (normal) and
/// rewards (uniform).
func policyTask(_ seed: UInt64, b: Int = 3, k: Int = 4) -> (Matrix<Double>, Matrix<Double>) {
  var rng = TestRNG(seed)
  let ref = Matrix<Double>(rows: b, columns: k) { _, _ in rng.normal() }
  let rewards = Matrix<Double>(rows: b, columns: k) { _, _ in rng.uniform() }
  return (ref, rewards)
}
