/// An inference-time procedure seen through its CDF map `g` (MATH.md §1): if a policy's calibrated reward has CDF
/// `F`, the served response's has CDF `g(F)`; `g` is increasing with `g(0) = 0`, `g(1) = 1`.
///
/// Both methods receive the CDF *and* the survival `1 − F`, each computed accurately by the caller (one from
/// below, one from above), so that `F^N` near `F = 1` and `(1 − F)^N` near `F = 0` are evaluated without
/// cancellation.
public protocol CDFMap: Sendable {
  /// `g(F)`, given `F` and `1 − F`.
  func value(cdf: Double, survival: Double) -> Double
  /// `g'(F)`, given `F` and `1 − F`.
  func derivative(cdf: Double, survival: Double) -> Double
}
