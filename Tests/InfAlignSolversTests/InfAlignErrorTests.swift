import InfAlignMath
import InfAlignSolvers
import Testing

/// Each case's message names its values (kind and text, parameter and value, field, prompt and index, counts, the
/// KL budget and its reachable range), numbers print as integers when they are ones, and a NaN payload equals
/// itself.
struct InfAlignErrorTests {
  @Test(arguments: [
    (InfAlignError.parse(kind: "procedure", text: "bon:x", reason: "expected bon:N"),
     ["cannot parse procedure \"bon:x\": expected bon:N"]),
    (.invalidParameter(name: "N", value: 0, reason: "must be >= 1"), ["invalid N = 0: must be >= 1"]),
    (.invalidParameter(name: "beta", value: 0.25, reason: "must be > 0.5"), ["invalid beta = 0.25"]),
    (.invalidParameter(name: "rate", value: .nan, reason: "must be finite"), ["invalid rate = nan"]),
    (.math(.zeroMass(row: 3)), ["row 3"]),
    (.nonFinite(field: "reward", prompt: 4, index: 2, value: .infinity), ["reward", "inf", "prompt 4", "index 2"]),
    (.emptyReferences(prompt: 6, count: 0), ["prompt 6", "no reference rewards"]),
    (.emptyReferences(prompt: 1, count: 1), ["prompt 1", "1 reference reward", "at least 2"]),
    (.shapeMismatch("prompt 2 has 3 samples, expected 4"), ["prompt 2 has 3 samples, expected 4"]),
    (.klBudgetOutOfReach(budget: 9, lowest: 0, highest: 1.5, context: "transform exp:5"),
     ["KL budget 9", "transform exp:5", "from 0.0 to 1.5"]),
  ])
  func messageNamesItsValues(_ error: InfAlignError, _ fragments: [String]) {
    for fragment in fragments { #expect(error.description.contains(fragment), "\(error.description)") }
    #expect(!error.description.contains("\n"))
    #expect(error == error)
  }

  @Test func userTextStaysOnOneLine() {
    let error = InfAlignError.parse(kind: "transform", text: "exp:\n2", reason: "not a number")
    #expect(!error.description.contains("\n"), "\(error.description)")
    #expect(error.description.contains("exp:"))
  }

  @Test func equalityTellsCasesAndValuesApart() {
    #expect(InfAlignError.math(.zeroMass(row: 1)) != .math(.zeroMass(row: 2)))
    #expect(InfAlignError.shapeMismatch("a") != .parse(kind: "a", text: "", reason: ""))
    #expect(
      InfAlignError.klBudgetOutOfReach(budget: 1, lowest: .nan, highest: .nan, context: "c")
        == .klBudgetOutOfReach(budget: 1, lowest: .nan, highest: .nan, context: "c"))
  }
}
