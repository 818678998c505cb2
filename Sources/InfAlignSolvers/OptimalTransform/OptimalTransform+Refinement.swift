import RealModule

extension OptimalTransform {
  /// One solve on the grid `v` from `startR` with the chosen method (the fixed point falls back to L-BFGS when it
  /// cycles).
  static func solveOnGrid(
    _ procedure: Procedure, _ on: GridReference, _ beta: Double, _ start: [Double], _ method: Method,
    _ tolerance: Double, _ maxIterations: Int
  ) throws(InfAlignError) -> Solution {
    let (v, gRef) = (on.grid, on.derivatives)
    switch method {
    case .fixedPoint:
      // Concave objectives: Newton (quadratic, 3–30 evaluations); where it fails, and for non-concave objectives
      // (where from cold starts Newton's line search stalls between stationary points), the Anderson fixed point,
      // and where that cycles, L-BFGS on the objective (globally convergent for concave J). Finishing the fixed
      // point by Newton on worst-of-N changes the saturated rows of the tuning table at the rounding level (won:16
      // at KL 2 turns reachable with a gap of −1e-15), so it is not done.
      var closest = start.map { $0 / beta }
      var spent = 0
      if procedure.hasConcaveObjective {
        do {
          return try newton(procedure, gRef, beta, v, start, tolerance, Swift.min(maxIterations, 100),
                            closest: &closest)
        } catch {
          if case let .math(.noConvergence(_, iterations, _, _)) = error { spent = iterations }
        }
      }
      do {
        return try fixedPoint(procedure, gRef, beta, v, closest.map { $0 * beta }, tolerance,
                              Swift.min(maxIterations, 1500), closest: &closest).adding(iterations: spent)
      } catch {
        // Anderson can cycle at some β: L-BFGS on the objective is globally convergent for concave J; it starts
        // from the closest iterate (from a cold start it takes thousands of iterations).
        return gradientAscent(procedure, on, beta, closest, maxIterations).adding(iterations: spent)
      }
    case .gradient:
      return gradientAscent(procedure, on, beta, start.map { $0 / beta }, maxIterations)
    case .polished:
      // The fixed point can cycle for small β; L-BFGS from the start is globally convergent for concave J.
      var closest = start.map { $0 / beta }
      let warm = (try? newton(procedure, gRef, beta, v, start, tolerance, 100, closest: &closest))
        ?? (try? fixedPoint(procedure, gRef, beta, v, start, tolerance, 400, closest: &closest))
      let polished = gradientAscent(procedure, on, beta, warm?.h ?? start.map { $0 / beta }, maxIterations)
      guard let warm else { return polished }
      let objective = try result(procedure, on, beta, polished).objective
      return objective >= (try result(procedure, on, beta, warm).objective) ? polished : warm
    }
  }

  /// Solves on `v`, then, while some cell's log density rises by more than half of ``maximumCellRise`` (the gradient
  /// solver is held to the full bound, so a solution at the bound is never accepted), splits every cell rising by
  /// more than a quarter of it into pieces rising by about a quarter (at most 16 per round), and solves again from the previous
  /// solution interpolated onto the finer grid. This resolves interior cliffs whose place depends on β (worst-of-N
  /// switches its density on past a threshold that moves inward as β falls), which grading the ends cannot.
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` when the grid would exceed `maximumPoints`,
  ///   or when the resolved result is not a probability (a win rate outside [0, 1]).
  static func refining(
    _ procedure: Procedure, _ grid: GridReference, _ beta: Double, _ start: [Double], _ method: Method,
    _ tolerance: Double, _ maxIterations: Int, maximumPoints: Int
  ) throws(InfAlignError) -> OptimalTransformResult {
    var on = grid, v = grid.grid, startR = start, rounds = 0, spent = 0
    while true {
      // `iterations` of the result counts every round's; the result's quantities are computed for the last only.
      let solution = try solveOnGrid(procedure, on, beta, startR, method, tolerance, maxIterations)
        .adding(iterations: spent)
      spent = solution.iterations
      guard case let .tabulated(table) = try solution.transform(grid: v, beta: beta, procedure: procedure).kind else {
        preconditionFailure("solutions are tables")
      }
      let h = table.values.map { $0 / beta }
      if steepestCell(h) <= maximumCellRise / 2 {
        let r = try result(procedure, on, beta, solution)
        guard r.winRate >= -1e-9 && r.winRate <= 1 + 1e-9 && r.kl >= -1e-12 && r.winRate.isFinite && r.kl.isFinite
        else {
          throw .invalidParameter(
            name: "beta", value: beta,
            reason: "the \(v.count - 1)-cell grid does not resolve the optimum (win rate \(r.winRate), KL \(r.kl)); "
              + "use a larger grid or a larger β / smaller KL budget")
        }
        return r
      }
      let floor = (h.max() ?? 0) - negligibleLogDensity
      var finer = [v[0]]
      for i in 1..<v.count {
        let rise = abs(h[i] - h[i - 1])
        // At most 16 pieces per round: a cliff narrower than the cell shows its true steepness only once resolved.
        let pieces = rise > maximumCellRise / 4 && Swift.max(h[i], h[i - 1]) >= floor
          ? Int(Swift.min(16, (rise / (maximumCellRise / 4)).rounded(.up))) : 1
        for k in 1..<pieces { finer.append(v[i - 1] + (v[i] - v[i - 1]) * Double(k) / Double(pieces)) }
        finer.append(v[i])
      }
      rounds += 1
      guard finer.count <= maximumPoints && rounds <= 24 else {
        throw .invalidParameter(
          name: "beta", value: beta,
          reason: "the optimal density is too peaked to resolve with \(maximumPoints) grid points in 24 refinements "
            + "(log density rises by \(Int(steepestCell(h))) over one of \(v.count - 1) cells); use a larger β / "
            + "smaller KL budget")
      }
      startR = finer.map { table.value($0) }
      v = finer
      on = GridReference(grid: finer, reference: on.reference)
    }
  }
}

extension OptimalTransformResult {
  /// The same result with `count` more iterations (spent before it was found: a continuation in β).
  func adding(iterations count: Int) -> OptimalTransformResult {
    OptimalTransformResult(
      transform: transform, beta: beta, kl: kl, standardWinRate: standardWinRate, winRate: winRate,
      objective: objective, iterations: iterations + count, residual: residual, method: method,
      stationaryPoints: stationaryPoints)
  }
}

extension OptimalTransform {
  /// `g_ref'` (at once) and `g_ref` (on first use) at the quadrature nodes of one grid: they depend on the grid only,
  /// so the starts and solvers on it share them. Used by one solve (not shared across threads).
  final class GridReference {
    let grid: [Double]
    let reference: Procedure
    let derivatives: [Double]
    private(set) lazy var values = PiecewiseExponentialDensity.referenceValues(grid: grid, reference: reference)

    init(grid: [Double], reference: Procedure) {
      (self.grid, self.reference) = (grid, reference)
      derivatives = PiecewiseExponentialDensity.referenceDerivatives(grid: grid, reference: reference)
    }
  }

  /// A solver's answer on one grid: `h = R/β` at the grid points (up to a constant), before the result's quantities
  /// are computed (``result(_:_:_:_:_:)``, once per accepted grid).
  struct Solution {
    var h: [Double]
    /// Map evaluations (fixed point, Newton) or objective evaluations (L-BFGS).
    var iterations: Int
    var residual: Double
    var method: Method

    /// The same solution with `count` more iterations (spent before it: earlier rounds, a failed solver).
    func adding(iterations count: Int) -> Solution {
      Solution(h: h, iterations: iterations + count, residual: residual, method: method)
    }

    /// `R = β·(h − h_0)` on the grid as a piecewise-linear transform.
    func transform(grid v: [Double], beta: Double, procedure: Procedure) throws(InfAlignError) -> Transform {
      try .tabulated(grid: v, values: h.map { ($0 - h[0]) * beta }, source: "optimal(\(procedure), β=\(beta))")
    }
  }
}
