import InfAlignMath
import RealModule

/// Relative-or-absolute closeness, `|a − b| ≤ tol·max(1, |b|)`: swift-numerics' `isApproximatelyEqual` with that
/// absolute tolerance. Equal values (including equal infinities) are close; NaN is close to nothing.
public func isClose(_ a: Double, _ b: Double, _ tol: Double) -> Bool {
  if a == b { return true }
  let scale = tol * Swift.max(1, Swift.abs(b))
  guard scale.isFinite else { return Swift.abs(a - b) <= scale }
  return a.isApproximatelyEqual(to: b, absoluteTolerance: scale, relativeTolerance: 0)
}

/// Strictly relative closeness, `|a − b| ≤ tol·|b|` (relative to the expected value `b`, not to the larger of the
/// two as `isApproximatelyEqual`'s relative tolerance is).
public func isRelativelyClose(_ a: Double, _ b: Double, _ tol: Double) -> Bool {
  if a == b { return true }
  let scale = tol * Swift.abs(b)
  guard scale.isFinite else { return Swift.abs(a - b) <= scale }
  return a.isApproximatelyEqual(to: b, absoluteTolerance: scale, relativeTolerance: 0)
}

/// The tolerance for `T`: `double` for `Double`, `float` for `Float` (for kernels with O(n) rounding, the defaults).
public func tolerance<T: BLASScalar>(_: T.Type, double: Double = 1e-12, float: Double = 2e-5) -> Double {
  T.self == Double.self ? double : float
}
