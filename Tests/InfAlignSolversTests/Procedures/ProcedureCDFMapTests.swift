@testable import InfAlignSolvers
import RealModule
import Testing

/// The CDF map of "the k-th smallest of n" by brute force: `g(F) = Σ_{j≥k} C(n, j)·Fʲ·(1 − F)ⁿ⁻ʲ` and
/// `g'(F) = n·C(n−1, k−1)·Fᵏ⁻¹·(1 − F)ⁿ⁻ᵏ`, with `C` from Pascal's triangle (exact integers here).
private func pascal(_ n: Int) -> [Double] {
  var row: [Double] = [1]
  for m in 0..<n { row = [1] + (0..<m).map { row[$0] + row[$0 + 1] } + [1] }
  return row
}
private func orderValue(_ k: Int, _ n: Int, _ F: Double) -> Double {
  let c = pascal(n)
  return (k...n).reduce(0.0) { $0 + c[$1] * Double.pow(F, $1) * Double.pow(1 - F, n - $1) }
}
private func orderDerivative(_ k: Int, _ n: Int, _ F: Double) -> Double {
  Double(n) * pascal(n - 1)[k - 1] * Double.pow(F, k - 1) * Double.pow(1 - F, n - k)
}

/// Best-of-N, worst-of-N and order statistics are all "the k-th smallest of n": value and derivative from the
/// CDF and survival against the brute-force sums, on a grid where `1 − F` is exact (`F = j/64`).
@Test(arguments: [(1, 1), (4, 4), (16, 16), (1, 4), (1, 9), (2, 5), (7, 12), (30, 40)])
func cdfMapMatchesBinomialSums(k: Int, n: Int) throws {
  let procedure = try Procedure.orderStatistic(k, of: n)
  for j in 0...64 {
    let F = Double(j) / 64, S = 1 - F
    #expect(isClose(procedure.value(cdf: F, survival: S), orderValue(k, n, F), 1e-13), "F = \(F)")
    #expect(isClose(procedure.derivative(cdf: F, survival: S), orderDerivative(k, n, F), 1e-12), "F = \(F)")
  }
  // bon:n and won:n are the same statistics under their own names.
  if k == n || k == 1 {
    let named = try k == n ? Procedure.bestOf(n) : Procedure.worstOf(n)
    for j in 0...64 {
      let F = Double(j) / 64
      #expect(isClose(named.value(cdf: F, survival: 1 - F), orderValue(k, n, F), 1e-13))
      #expect(isClose(named.derivative(cdf: F, survival: 1 - F), orderDerivative(k, n, F), 1e-12))
    }
  }
}

/// Near `F = 1` the survival carries the digits `F` cannot: worst-of-N's `g' = N·Sᴺ⁻¹` and best-of-N's
/// `1 − g = 1 − (1 − S)ᴺ ≈ N·S` keep full relative accuracy for `S = 1e-12`.
@Test func survivalKeepsDigitsNearTheTop() throws {
  let s = 1e-12, F = 1 - s
  #expect(isRelativelyClose(try Procedure.worstOf(3).derivative(cdf: F, survival: s), 3 * s * s, 1e-14))
  #expect(isRelativelyClose(try Procedure.worstOf(100).derivative(cdf: F, survival: s), 100 * Double.pow(s, 99), 1e-12))
  let order = try Procedure.orderStatistic(2, of: 3)  // g' = 6·F·S
  #expect(isRelativelyClose(order.derivative(cdf: F, survival: s), 6 * F * s, 1e-13))
}

/// The eight-lane derivatives equal the scalar ones lane by lane (within the power-by-squaring's few ulps), for
/// the vectorized kinds and the lane-by-lane ones; a mixture is the weighted mean of its components.
@Test func eightLaneDerivativesAndMixtures() throws {
  let F = SIMD8<Double>(0, 0.01, 0.2, 0.49, 0.5, 0.77, 0.999, 1), S = 1 - F
  let procedures = [Procedure.standard, try .bestOf(8), try .worstOf(64), try .bestOf(65), try .orderStatistic(3, of: 7),
                    try .mixture([(0.25, .bestOf(4)), (0.75, .worstOf(2))])]
  for p in procedures {
    let lanes = p.derivatives(cdf: F, survival: S)
    for q in 0..<8 {
      #expect(isClose(lanes[q], p.derivative(cdf: F[q], survival: S[q]), 1e-13), "\(p) at F = \(F[q])")
    }
  }
  let mix = try Procedure.mixture([(0.25, .bestOf(4)), (0.75, .worstOf(2))])
  for j in 0...16 {
    let f = Double(j) / 16
    let expected = 0.25 * Double.pow(f, 4) + 0.75 * (1 - Double.pow(1 - f, 2))
    #expect(isClose(mix.value(cdf: f, survival: 1 - f), expected, 1e-15))
  }
}
