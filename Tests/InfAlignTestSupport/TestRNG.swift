import InfAlignMath

/// The one seeded random source of the test suites: xoshiro256** from the library (its outputs are checked
/// against the reference implementation's in RandomTests), mapped to simple distributions. The same seed gives
/// the same data in every suite and on every machine.
public struct TestRNG {
  public var g: Xoshiro256StarStar
  public init(_ seed: UInt64) { g = Xoshiro256StarStar(seed: seed) }
  /// Uniform on `[lo, hi)`.
  public mutating func uniform(_ lo: Double = 0, _ hi: Double = 1) -> Double {
    lo + (hi - lo) * Random.uniform(using: &g)
  }
  /// Uniform on the integers of `range`.
  public mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &g) }
  /// Standard normal.
  public mutating func normal() -> Double { Random.normal(using: &g) }
  /// A `rows × columns` matrix of uniform values on `[lo, hi)`, drawn row by row in `Double` and rounded to `T`.
  public mutating func matrix<T: BLASScalar>(_ rows: Int, _ columns: Int, _ lo: Double = -1, _ hi: Double = 1)
    -> Matrix<T>
  {
    var m = Matrix<T>(rows: rows, columns: columns)
    for i in 0..<rows { for j in 0..<columns { m[i, j] = T(uniform(lo, hi)) } }
    return m
  }
}
