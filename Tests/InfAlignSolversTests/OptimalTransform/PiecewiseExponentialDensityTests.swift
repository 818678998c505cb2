import Foundation
import InfAlignSolvers
import Testing

/// The win rate from precomputed `g_ref` at the nodes and one vector of `g'` per cell is the node-by-node sum
/// `Σ w·f·g_ref(u)·g'(F)` over ``PiecewiseExponentialDensity/forEachNode(_:)`` exactly (same products, same order),
/// for the vectorized kinds and the lane-by-lane ones, with a separate reference procedure.
@Test func winRateFromReferenceValuesIsTheNodeSum() throws {
  let grid = (0...48).map { Double($0) / 48 }
  let h = grid.map { 9 * $0 * $0 - 4 * sin(3 * $0) }
  let d = PiecewiseExponentialDensity(grid: grid, h: h)
  let pairs: [(Procedure, Procedure)] = [
    (try .bestOf(8), try .bestOf(8)), (try .worstOf(100), try .worstOf(3)),
    (try .orderStatistic(2, of: 5), .standard), (try Procedure(parsing: "mix:0.5*bon:4+0.5*won:4"), try .bestOf(2)),
  ]
  for (policy, reference) in pairs {
    var sum = 0.0
    d.forEachNode { _, u, wf, F, S in
      sum += wf * reference.value(cdf: u, survival: 1 - u) * policy.derivative(cdf: F, survival: S)
    }
    #expect(d.winRate(policy: policy, reference: reference) == sum, "\(policy) vs \(reference)")
  }
}
