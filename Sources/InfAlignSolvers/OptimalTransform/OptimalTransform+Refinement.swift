import RealModule

extension OptimalTransform {
  /// One solve on the grid `v` from `startR` with the chosen method (the fixed point falls back to L-BFGS when it
  /// cycles).
  static func solveOnGrid(
    _ procedure: Procedure, _ reference: Procedure, _ beta: Double, _ v: [Double], _ start: [Double],
    _ method: Method, _ tolerance: Double, _ maxIterations: Int
  ) throws(InfAlignError) -> OptimalTransformResult {
    switch method {
    case .fixedPoint:
      var closest = start.map { $0 / beta }
      do {
        return try fixedPoint(procedure, reference, beta, v, start, tolerance, Swift.min(maxIterations, 1500),
                              closest: &closest)
      } catch {
        // Anderson can cycle at some β: L-BFGS on the objective is globally convergent for concave J; it starts
        // from the fixed point's closest iterate (from a cold start it takes thousands of iterations).
        return try gradientAscent(procedure, reference, beta, v, closest, maxIterations)
      }
    case .gradient:
      return try gradientAscent(procedure, reference, beta, v, start.map { $0 / beta }, maxIterations)
    case .polished:
      // The fixed point can cycle for small β; L-BFGS from the start is globally convergent for concave J.
      var closest = start.map { $0 / beta }
      let warm = try? fixedPoint(procedure, reference, beta, v, start, tolerance, 400, closest: &closest)
      let from = warm.map { w in v.map { w.transform.value($0) / beta } } ?? start.map { $0 / beta }
      let polished = try gradientAscent(procedure, reference, beta, v, from, maxIterations)
      return warm.map { polished.objective >= $0.objective ? polished : $0 } ?? polished
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
    _ procedure: Procedure, _ reference: Procedure, _ beta: Double, _ grid: [Double], _ start: [Double],
    _ method: Method, _ tolerance: Double, _ maxIterations: Int, maximumPoints: Int
  ) throws(InfAlignError) -> OptimalTransformResult {
    var v = grid, startR = start, rounds = 0
    while true {
      let r = try solveOnGrid(procedure, reference, beta, v, startR, method, tolerance, maxIterations)
      guard case let .tabulated(table) = r.transform.kind else { preconditionFailure("solvers return tables") }
      let h = table.values.map { $0 / beta }
      if steepestCell(h) <= maximumCellRise / 2 {
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
    }
  }
}
