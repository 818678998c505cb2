import InfAlignSolvers

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
