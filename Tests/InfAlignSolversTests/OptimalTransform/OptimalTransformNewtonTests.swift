import Foundation
import InfAlignSolvers
import Testing

/// `g''` against a central difference of `g'` (an independent evaluation), on both sides of ½ and for every kind,
/// including best-of-N past the power-by-squaring limit (the `exp∘log1p` branch).
@Test func secondDerivativeMatchesDifferencesOfTheDerivative() throws {
  let mixture = try Procedure.mixture([(0.3, try .bestOf(4)), (0.7, try .worstOf(3))])
  var procedures: [Procedure] = [.standard, try .bestOf(3), try .bestOf(100), try .worstOf(5), try .worstOf(100)]
  procedures += [try .orderStatistic(2, of: 6), try .orderStatistic(1, of: 2), mixture]
  for procedure in procedures {
    for F in [0.05, 0.3, 0.5, 0.7, 0.97] {
      let e = 1e-5
      let up = procedure.derivative(cdf: F + e, survival: 1 - F - e)
      let down = procedure.derivative(cdf: F - e, survival: 1 - F + e)
      let difference = (up - down) / (2 * e)
      let exact = procedure.secondDerivative(cdf: F, survival: 1 - F)
      #expect(abs(exact - difference) <= 1e-6 * max(1, abs(exact)), "\(procedure) at F = \(F): \(exact) vs \(difference)")
      let lanes = procedure.secondDerivatives(cdf: SIMD8(repeating: F), survival: SIMD8(repeating: 1 - F))
      #expect(lanes[3] == exact, "\(procedure): vector and scalar differ")
    }
  }
}

/// Newton's step solves `(I − G'(h))·δ = G(h) − h` with the exact Jacobian of the discrete map: `G'δ = δ − r` is
/// checked against a central difference of `G` along `δ`, on a graded grid with cells rising by more than ½ (the
/// difference-of-exps branch) and less (the series), for a concave and a non-concave procedure.
@Test(arguments: [("bon:8", 0.01), ("won:4", 0.05), ("bon:2", 0.5)])
func newtonStepUsesTheExactJacobian(spec: String, beta: Double) throws {
  let procedure = try Procedure(parsing: spec)
  let v = OptimalTransform.grid(cells: 64, slopeAtZero: 1 / beta, slopeAtOne: 64 / beta)
  let h = v.map { (1.5 * $0 * $0 + 0.3 * sin(7 * $0)) / beta }
  let gRef = PiecewiseExponentialDensity.referenceDerivatives(grid: v, reference: procedure)
  func G(_ h: [Double]) -> [Double] {
    PiecewiseExponentialDensity(grid: v, h: h).optimalR(policy: procedure, referenceDerivatives: gRef).map { $0 / beta }
  }
  let g = G(h)
  let step = try #require(
    OptimalTransform.newtonStep(PiecewiseExponentialDensity(grid: v, h: h), g, h, procedure, gRef, beta))
  let e = 1e-6
  let plus = G(zip(h, step).map { $0 + e * $1 }), minus = G(zip(h, step).map { $0 - e * $1 })
  var scale = 0.0, error = 0.0
  for i in v.indices {
    let predicted = step[i] - (g[i] - h[i])
    scale = max(scale, abs(predicted))
    error = max(error, abs((plus[i] - minus[i]) / (2 * e) - predicted))
  }
  #expect(error <= 1e-6 * max(1, scale), "\(spec): Jacobian off by \(error) at scale \(scale)")
  #expect(abs(step[0] - (g[0] - h[0])) <= 1e-12 * max(1, scale))
}

/// The solver's cost, counted in evaluations of the map (``OptimalTransformResult/iterations``), on the hardest cases
/// of the tuning table: best-of-N at small β (Newton with continuation in β; the Anderson fixed point took 180–1500)
/// and worst-of-N (Anderson per start).
@Test(arguments: [("bon:32", 4.0), ("bon:2", 0.5), ("bon:16", 2.0), ("won:32", 0.5)])
func klSolvesNeedFewMapEvaluations(spec: String, kl: Double) throws {
  let r = try OptimalTransform.solve(procedure: Procedure(parsing: spec), kl: kl)
  #expect(r.iterations <= 50, "\(spec) at KL \(kl): \(r.iterations) evaluations")
}

/// A cold solve at small β reaches it by continuation from β = 0.05, every step counted.
@Test func coldSolveAtSmallBetaIsContinued() throws {
  let r = try OptimalTransform.solve(procedure: .bestOf(32), beta: 1e-4)
  #expect(r.iterations <= 60, "\(r.iterations) evaluations")
  #expect(r.residual <= 1e-12 * max(1, r.transform.value(1)))
}
