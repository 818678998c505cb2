import InfAlignMath

/// Deterministic test data: xoshiro256** from the library (its own outputs are checked against reference values in
/// RandomTests), mapped to simple distributions.
struct TestRNG {
  var g: Xoshiro256StarStar
  init(_ seed: UInt64) { g = Xoshiro256StarStar(seed: seed) }
  mutating func uniform(_ lo: Double = 0, _ hi: Double = 1) -> Double { lo + (hi - lo) * Random.uniform(using: &g) }
  mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &g) }
  mutating func normal() -> Double { Random.normal(using: &g) }
  mutating func matrix<T: BLASScalar>(_ rows: Int, _ columns: Int, _ lo: Double = -1, _ hi: Double = 1) -> Matrix<T> {
    var m = Matrix<T>(rows: rows, columns: columns)
    for i in 0..<rows { for j in 0..<columns { m[i, j] = T(uniform(lo, hi)) } }
    return m
  }
}

/// Relative-or-absolute closeness: `|a − b| ≤ tol · max(1, |b|)`.
func close(_ a: Double, _ b: Double, _ tol: Double) -> Bool {
  if a == b { return true }
  return abs(a - b) <= tol * max(1, abs(b))
}

/// Strictly relative closeness.
func relClose(_ a: Double, _ b: Double, _ tol: Double) -> Bool {
  if a == b { return true }
  return abs(a - b) <= tol * abs(b)
}

/// Tolerance per precision for kernels with O(n) rounding.
func tolerance<T: BLASScalar>(_: T.Type, double: Double = 1e-12, float: Double = 2e-5) -> Double {
  T.self == Double.self ? double : float
}
