import InfAlignSolvers
import Testing

/// Options are validated with typed errors (an iteration limit of 0 used to trap).
@Test func optimalTransformValidatesOptions() throws {
  let bon4 = try Procedure.bestOf(4)
  for (iterations, tolerance) in [(0, 1e-12), (-3, 1e-12), (100, 0), (100, -1), (100, .nan), (100, .infinity)] {
    #expect(throws: InfAlignError.self) {
      _ = try OptimalTransform.solve(procedure: bon4, beta: 0.1, grid: 64, tolerance: tolerance,
                                     maxIterations: iterations)
    }
  }
  for beta in [0, -1, .nan, .infinity] {
    #expect(throws: InfAlignError.self) { _ = try OptimalTransform.solve(procedure: bon4, beta: beta, grid: 64) }
  }
}

/// At β = 1e300 the optimum is the uniform density: KL is exactly 0 (not −2e-300) and the objective is the win
/// rate (β·KL used to add 2).
@Test func hugeBetaGivesZeroKL() throws {
  let r = try OptimalTransform.solve(procedure: try .bestOf(4), beta: 1e300, grid: 256)
  #expect(r.kl == 0)
  #expect(r.objective == r.winRate)
  #expect(abs(r.winRate - 0.5) < 1e-12)
}

/// A budget inside a jump of KL(β) (the best stationary point switching branch) is reported, not bisected toward.
@Test func klJumpOverTheBudgetIsAnError() throws {
  let mix = try Procedure(parsing: "mix:0.5*bon:32+0.5*won:32")
  /// What the optimal transform's KL search throws when `point` is evaluated after `evaluated`.
  func jump(
    around budget: Double, at point: KLBudget.Evaluation, _ evaluated: [KLBudget.Evaluation], procedure: Procedure
  ) -> InfAlignError? {
    let search = KLBudget(budget: budget, start: (0, 1), domain: 0...1, tolerance: 0, acceptance: 0, context: "")
    return search.jump(in: evaluated + [point]).map {
      OptimalTransform.branchSwitch(budget, $0.high, $0.low, procedure: procedure)
    }
  }
  let error = try #require(jump(around: 4, at: (-3.04, 5.04), [(-2.87, 0.35), (-3.0, 0.38)], procedure: mix))
  #expect("\(error)".contains("switches branch"))
  // Smooth neighbours (within a factor 2), far points, or a budget outside the pair: no jump.
  #expect(jump(around: 4, at: (-3.04, 5.04), [(-3.0, 3.9)], procedure: mix) == nil)
  #expect(jump(around: 4, at: (-3.04, 5.04), [(-2.5, 0.35)], procedure: mix) == nil)
  #expect(jump(around: 6, at: (-3.04, 5.04), [(-3.0, 0.38)], procedure: mix) == nil)
}
