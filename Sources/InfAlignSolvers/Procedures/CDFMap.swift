/// An inference-time procedure seen through its CDF map `g` (MATH.md §1): if a policy's calibrated reward has CDF
/// `F`, the served response's has CDF `g(F)`; `g` is increasing with `g(0) = 0`, `g(1) = 1`.
///
/// Both methods receive the CDF *and* the survival `1 − F`, each computed accurately by the caller (one from
/// below, one from above), so that `F^N` near `F = 1` and `(1 − F)^N` near `F = 0` are evaluated without
/// cancellation.
package protocol CDFMap: Sendable {
  /// `g(F)`, given `F` and `1 − F`.
  func value(cdf: Double, survival: Double) -> Double
  /// `g'(F)`, given `F` and `1 − F`.
  func derivative(cdf: Double, survival: Double) -> Double
  /// `g'` at eight points at once (has a lane-by-lane default).
  func derivatives(cdf: SIMD8<Double>, survival: SIMD8<Double>) -> SIMD8<Double>
}

extension CDFMap {
  /// `g'` at eight points at once (the nodes of one quadrature cell). The default evaluates lane by lane;
  /// ``Procedure`` vectorizes best-of-N and worst-of-N.
  package func derivatives(cdf: SIMD8<Double>, survival: SIMD8<Double>) -> SIMD8<Double> {
    derivativesLaneByLane(cdf: cdf, survival: survival)
  }

  /// ``derivative(cdf:survival:)`` at each of the eight lanes.
  func derivativesLaneByLane(cdf: SIMD8<Double>, survival: SIMD8<Double>) -> SIMD8<Double> {
    var out = SIMD8<Double>()
    for q in 0..<8 { out[q] = derivative(cdf: cdf[q], survival: survival[q]) }
    return out
  }
}
