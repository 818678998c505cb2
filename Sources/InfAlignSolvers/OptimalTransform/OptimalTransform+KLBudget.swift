import RealModule

extension OptimalTransform {
  /// How closely ``solve(procedure:reference:kl:grid:method:)`` meets a KL budget, relative. Typically it meets it
  /// to 1e-9; at small β (bon:8 at KL 2, β ≈ 0.0067) the KL at a given β is itself resolved only to ~1e-7.
  public static let klTolerance = 1e-6

  /// The optimal transform whose KL meets the budget `kl` to ``klTolerance`` relative: β is found by `KLBudget`
  /// (Brent in `log β` over [−40, 20]), each solve warm-started from the nearest β solved so far. The solvers resolve
  /// `R` to 1e-12 of its scale, which pins the KL only to ~1e-7 relative at small β (`h = R/β` amplifies the
  /// residual), so of the evaluations the one closest to the budget is returned, with its own β and KL.
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` when the budget is not positive, when the win
  ///   rate reaches 1 before the budget is spent (past that β cannot be located in double precision), or when `KL(β)`
  ///   jumps over the budget (the best stationary point switches branch, `branchSwitch(_:_:_:procedure:)`);
  ///   ``InfAlignError/klBudgetOutOfReach(budget:lowest:highest:context:)`` outside the KL range of the β searched;
  ///   ``InfAlignError/math(_:)`` (no convergence) when the budget is in range but not met; a solver's own error.
  public static func solve(
    procedure: Procedure, reference: Procedure? = nil, kl: Double, grid: Int = defaultGrid,
    method: Method = .fixedPoint
  ) throws(InfAlignError) -> OptimalTransformResult {
    try KLBudget.validate(kl)
    var results: [Double: OptimalTransformResult] = [:]  // by log β
    var largest: OptimalTransformResult? = nil  // the largest KL any solve reached, for the error message
    var solved: [(logBeta: Double, transform: Transform)] = []
    func solve(_ logBeta: Double, _ solver: Method) throws(InfAlignError) -> OptimalTransformResult {
      // Warm start: the solution at the nearest β solved so far (L-BFGS, the independent check, starts cold).
      let nearest = solved.min { abs($0.logBeta - logBeta) < abs($1.logBeta - logBeta) }
      let r = try OptimalTransform.solve(
        procedure: procedure, reference: reference, beta: Double.exp(logBeta), grid: grid, method: solver,
        tolerance: 1e-12, maxIterations: 5000, warmStart: nearest.map { (Double.exp($0.logBeta), $0.transform) })
      solved.append((logBeta, r.transform))
      results[logBeta] = r
      if r.kl > largest?.kl ?? -1 { largest = r }
      return r
    }
    var search = KLBudget(
      budget: kl, start: (-2, 0), domain: -40...20, tolerance: 1e-10, acceptance: klTolerance * kl,
      context: "the optimal transform of \(procedure) on a \(grid)-point grid")
    search.answer = .closest
    search.jumpError = { high, low in Self.branchSwitch(kl, high, low, procedure: procedure) }
    search.diagnose = { _ in
      // Typical for worst-of-N: the win rate reaches 1 to double precision before the budget is spent, and for
      // smaller β the objective W − β·KL (hence KL as a function of β) is decided by rounding.
      guard let largest, largest.kl < kl || largest.winRate > 1 - 1e-12 else { return nil }
      return .invalidParameter(
        name: "KL budget", value: kl,
        reason: "out of reach for the optimal transform of \(procedure): at KL \(largest.kl) (β = \(largest.beta)) "
          + "the win rate is already 1 − \(1 - largest.winRate); past that a larger budget buys nothing in double "
          + "precision and β cannot be located")
    }
    // Stage 1: the fast fixed point (polished where it fails) locates β; stage 2 refines with the requested solver
    // in a narrow bracket (polishing moves the KL at a given β slightly).
    var x = try search.solve { (logBeta: Double) throws(InfAlignError) -> Double in
      do { return try solve(logBeta, .fixedPoint).kl } catch { return try solve(logBeta, .polished).kl }
    }
    if method != .fixedPoint {
      (search.start, search.tolerance) = ((x - 0.05, x + 0.05), 1e-12)
      x = try search.solve { (logBeta: Double) throws(InfAlignError) -> Double in try solve(logBeta, method).kl }
    }
    if let r = results[x] { return r }
    return try OptimalTransform.solve(procedure: procedure, reference: reference, beta: Double.exp(x), grid: grid,
                                      method: method)
  }

  /// The typed error for a KL budget inside a jump of `KL(β)` (``KLBudget/jump(in:)``: two solves less than 0.05
  /// apart in `log β` whose KLs bracket the budget and differ by a factor above 2). On one branch of stationary
  /// points `KL(β)` is smooth (`|d log KL / d log β|` is of order 1), so such a pair means the best stationary point
  /// switched branch in between (mixtures and other non-concave procedures): no β gives the budget, and bisecting
  /// toward the switch would only cost solves.
  package static func branchSwitch(
    _ budget: Double, _ high: KLBudget.Evaluation, _ low: KLBudget.Evaluation, procedure: Procedure
  ) -> InfAlignError {
    .invalidParameter(
      name: "KL budget", value: budget,
      reason: "out of reach for the optimal transform of \(procedure): the best stationary point switches branch "
        + "between β = \(Double.exp(high.logBeta)) (KL \(high.kl)) and β = \(Double.exp(low.logBeta)) "
        + "(KL \(low.kl)), so KL jumps over the budget and no β meets it")
  }
}
