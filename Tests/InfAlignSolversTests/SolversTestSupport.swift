import InfAlignSolvers
import Testing

/// Deterministic test data from the library's xoshiro256** (checked against reference values in the math tests).
struct SolverTestRNG {
  var g: Xoshiro256StarStar
  init(_ seed: UInt64) { g = Xoshiro256StarStar(seed: seed) }
  mutating func uniform(_ lo: Double = 0, _ hi: Double = 1) -> Double { lo + (hi - lo) * Random.uniform(using: &g) }
  mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &g) }
  mutating func normal() -> Double { Random.normal(using: &g) }
}

func isClose(_ a: Double, _ b: Double, _ tol: Double) -> Bool {
  a == b || abs(a - b) <= tol * max(1, abs(b))
}

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
