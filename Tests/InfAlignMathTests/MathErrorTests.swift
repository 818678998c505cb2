import InfAlignMath
import Testing

/// Each case's message names its values (routine, info, row, column, the value itself, bracket ends, method and
/// counts), and a NaN payload equals itself.
struct MathErrorTests {
  @Test(arguments: [
    (MathError.lapack(routine: "dpotrf", info: -3), ["dpotrf", "argument 3", "info = -3"]),
    (.lapack(routine: "dgesv", info: 4), ["dgesv", "info = 4", "order 4"]),
    (.nonFinite(row: 2, column: 5, value: .nan), ["nan", "row 2", "column 5"]),
    (.nonFinite(row: 0, column: 1, value: -.infinity), ["-inf", "row 0", "column 1"]),
    (.zeroMass(row: 7), ["row 7", "no mass"]),
    (.invalidArgument("n must be >= 1, got 0"), ["n must be >= 1, got 0"]),
    (.noBracket(lower: -1.5, upper: 2.5, fLower: 0.25, fUpper: 0.75), ["[-1.5, 2.5]", "0.25", "0.75"]),
    (.noConvergence(method: "Brent", iterations: 200, estimate: 0.125, tolerance: 1e-12),
     ["Brent", "200 iterations", "0.125", "1e-12"]),
    (.quadratureTolerance(achieved: 0.001, requested: 1e-10), ["0.001", "1e-10"]),
  ])
  func messageNamesItsValues(_ error: MathError, _ fragments: [String]) {
    for fragment in fragments { #expect(error.description.contains(fragment), "\(error.description)") }
    #expect(!error.description.contains("\n"))
    #expect(error == error)
  }

  @Test func equalityTellsCasesAndValuesApart() {
    #expect(MathError.zeroMass(row: 1) != .zeroMass(row: 2))
    #expect(MathError.nonFinite(row: 0, column: 0, value: .nan) == .nonFinite(row: 0, column: 0, value: .nan))
    #expect(MathError.nonFinite(row: 0, column: 0, value: .nan) != .nonFinite(row: 0, column: 0, value: 1))
    #expect(MathError.lapack(routine: "dgesv", info: 1) != .invalidArgument("dgesv"))
  }
}
