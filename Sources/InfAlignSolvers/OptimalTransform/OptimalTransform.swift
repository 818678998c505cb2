import RealModule

/// The optimal transform of a procedure at a KL weight β or a KL budget (MATH.md §5): the `R` for which
/// `f ∝ exp(R/β)` maximizes `W_T(f) − β·KL(f)`, tabulated on a grid.
public struct OptimalTransformResult: Sendable {
  /// `R` on the grid as a piecewise-linear ``Transform`` (`R(0) = 0`).
  public let transform: Transform
  public let beta: Double
  public let kl: Double
  public let standardWinRate: Double
  public let winRate: Double
  /// `W_T − β·KL`, the maximized objective.
  public let objective: Double
  /// Work of the solver that produced the result, summed over refinement rounds and any continuation in β: for the
  /// fixed-point method, evaluations of the map `G` (Newton's Jacobians, one per accepted step, cost about one more
  /// each); for L-BFGS, objective-and-gradient evaluations.
  public let iterations: Int
  /// Final fixed-point residual `max |R_new − R|` (fixed point) or gradient norm (gradient ascent).
  public let residual: Double
  /// Which solver produced the result.
  public let method: OptimalTransform.Method
  /// Distinct stationary points found from the starts tried (worst-of-N can have several; the best is returned).
  public let stationaryPoints: Int
}

/// Solvers for the optimal transform (MATH.md §5), on a grid `v_i = i/n` with `R` piecewise linear, so the density
/// is piecewise exponential (`PiecewiseExponentialDensity`: exact masses and CDF).
///
/// - ``Method/fixedPoint``: the nodal fixed point `R = ∫₀^v g_ref'(u)·g'(F(u)) du`. For concave objectives
///   (best-of-N) by Newton's method with the exact Jacobian (OptimalTransform+Newton.swift), continued in β from
///   β = 0.05 or from a solution at another β (the KL search); otherwise, and where Newton fails, by the plain
///   iteration with Anderson acceleration (depth 6) and damping that halves when the residual grows. A few ms at
///   1024 points; ``OptimalTransformResult/iterations`` counts the map evaluations.
/// - ``Method/gradient``: direct ascent of `J(h) = W_T(f_h) − β·KL(f_h)` over the nodal values of `h = R/β` with
///   L-BFGS; the gradient is `∂J/∂h_k = Cov_f(R − β·h, φ_k)` (`φ_k` the hat functions; `δW/δf = R + const` by
///   parts), exact for the discretized objective (`R` at every node by the cumulative Gauss–Legendre matrix).
/// - ``Method/polished``: the fixed point is stationary only at grid points; where the density changes a lot
///   within a cell (peaked optima on coarse grids) that misses the discretized maximum by O(Δ²) (6e-7 in the
///   objective for bon:4, β = 0.1 on 256 cells; 5e-4 for bon:16, β = 0.05), so L-BFGS finishes from it.
///
/// Best-of-N's objective is concave in `f`, so both solvers reach the same optimum. Worst-of-N's is not:
/// ``solve(procedure:reference:beta:grid:method:tolerance:maxIterations:)``
/// starts from several shapes (identity, steep negexp-like and exp-like transforms), compares the stationary points
/// reached, returns the one with the highest objective and reports how many distinct ones it saw.
public enum OptimalTransform {
  public enum Method: String, Sendable, CaseIterable {
    /// The nodal fixed point (the default): a few ms at 1024 points; stationary at grid points, which is within
    /// O(Δ²) of the discretized maximum (about 4e-8 in the objective at 1024 points for bon:4, β = 0.1).
    case fixedPoint = "fixed-point"
    /// L-BFGS on the discretized objective from the identity (cold start): the independent check.
    case gradient
    /// Fixed point as a warm start, then L-BFGS to the maximizer of the discretized objective (most accurate;
    /// 50–300 ms at 1024 points).
    case polished
  }

  /// Default grid size (≥ 512 per MATH.md; `grid` is user-settable).
  public static let defaultGrid = 1024

  /// The optimal transform at KL weight `beta`.
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` for β ≤ 0 or not finite, a grid below 8 points,
  ///   `maxIterations < 1` or a tolerance that is not positive and finite; ``InfAlignError/math(_:)`` with
  ///   `noConvergence` when no start converges.
  public static func solve(
    procedure: Procedure, reference: Procedure? = nil, beta: Double, grid: Int = defaultGrid,
    method: Method = .fixedPoint, tolerance: Double = 1e-12, maxIterations: Int = 5000
  ) throws(InfAlignError) -> OptimalTransformResult {
    try solve(procedure: procedure, reference: reference, beta: beta, grid: grid, method: method,
              tolerance: tolerance, maxIterations: maxIterations, warmStart: nil)
  }

  /// ``solve(procedure:reference:beta:grid:method:tolerance:maxIterations:)`` from `warmStart` (the solution at
  /// another β, as the KL search has). When the objective is concave (the optimum is unique, so the start changes
  /// only the cost) and the solver is not L-BFGS (the cold independent check), the start is reached by continuation
  /// in β from `warmStart`, or from the identity at a β where it is a good start (``continuation``). Non-concave
  /// procedures keep their fixed set of starts.
  static func solve(
    procedure: Procedure, reference: Procedure?, beta: Double, grid: Int, method: Method, tolerance: Double,
    maxIterations: Int, warmStart: (beta: Double, transform: Transform)?
  ) throws(InfAlignError) -> OptimalTransformResult {
    guard beta > 0 && beta.isFinite else {
      throw .invalidParameter(name: "beta", value: beta, reason: "the KL weight β must be positive and finite")
    }
    guard grid >= 8 else { throw .invalidParameter(name: "grid", value: Double(grid), reason: "need at least 8 points") }
    guard maxIterations >= 1 else {
      throw .invalidParameter(name: "maxIterations", value: Double(maxIterations), reason: "must be at least 1")
    }
    guard tolerance > 0 && tolerance.isFinite else {
      throw .invalidParameter(name: "tolerance", value: tolerance, reason: "must be positive and finite")
    }
    let reference = reference ?? procedure
    let v = Self.grid(
      cells: grid, slopeAtZero: reference.derivative(cdf: 0, survival: 1) * procedure.derivative(cdf: 0, survival: 1) / beta,
      slopeAtOne: reference.derivative(cdf: 1, survival: 0) * procedure.derivative(cdf: 1, survival: 0) / beta)
    var starts: [[Double]] = [v]  // identity
    var spent = 0  // evaluations of the continuation
    if procedure.hasConcaveObjective && method != .gradient,
      let path = continuation(procedure, reference, beta, grid, method, tolerance, maxIterations, from: warmStart)
    {
      // The same density as the solution at the path's β (h = R/β kept): a start from which Newton's first
      // steps are nearly linear (R kept, the density sharpens by the ratio of the β and the full step overshoots).
      let scale = beta / path.beta
      starts = [v.map { path.transform.value($0) * scale }]
      spent = path.evaluations
    }
    if !procedure.hasConcaveObjective {
      for t in [3.0, 10.0, 30.0] { starts.append(v.map { -Double.expMinusOne(-t * $0) / -Double.expMinusOne(-t) }) }
      for t in [3.0, 10.0] { starts.append(v.map { Double.expMinusOne(t * $0) / Double.expMinusOne(t) }) }
    }
    let shared = GridReference(grid: v, reference: reference)  // the starts' first grid
    var best: OptimalTransformResult? = nil
    var distinct: [Double] = []
    var lastError: InfAlignError? = nil
    for start in starts {
      do {
        let r = try refining(procedure, shared, beta, start, method, tolerance, maxIterations,
                             maximumPoints: Swift.max(16 * grid, 16_384)).adding(iterations: spent)
        if !distinct.contains(where: { abs($0 - r.objective) <= 1e-9 * Swift.max(1, abs(r.objective)) }) {
          distinct.append(r.objective)
        }
        if best == nil || r.objective > best!.objective { best = r }
      } catch {
        lastError = error
      }
    }
    guard let best else { throw lastError! }
    return OptimalTransformResult(
      transform: best.transform, beta: best.beta, kl: best.kl, standardWinRate: best.standardWinRate,
      winRate: best.winRate, objective: best.objective, iterations: best.iterations, residual: best.residual,
      method: best.method, stationaryPoints: distinct.count)
  }

  /// The solver's grid: about `cells` cells of width `1/cells`, graded toward an end where the optimal log density
  /// `h = R/β` is steep. At an end with slope `|h'| = g_ref'·g'(F)/β` (`F = 0` at u = 0, `1` at u = 1) the first
  /// cell is `¼/|h'|` wide (floor 1e-15) and widths grow with the distance `d` from the end as `max(¼/|h'|, d/5)` up
  /// to `1/cells`, so every cell spans a small rise of `h` through the boundary layer (width ~`β/N²` for best-of-N at
  /// u = 1, worst-of-N at u = 0). On 1024 uniform cells bon:32 at β = 0.1 is off by 1e-3 in the win rate, and at
  /// β = 0.003 the fixed point settles on a spurious under-resolved solution; grading adds ~20–150 points.
  public static func grid(cells: Int, slopeAtZero: Double, slopeAtOne: Double) -> [Double] {
    let width = 1 / Double(cells)
    /// Distances from the end at which graded points sit, ending where the width reaches `width`.
    func graded(_ slope: Double) -> [Double] {
      let first = Swift.max(1e-15, 0.25 / Swift.max(abs(slope), 1e-300))
      if first >= width { return [] }
      var d = 0.0, out: [Double] = []
      while true {
        let w = Swift.max(first, d / 5)
        if w >= width { break }
        d += w
        out.append(d)
      }
      return out
    }
    let lower = graded(slopeAtZero), upper = graded(slopeAtOne)
    let a = lower.last ?? 0, b = 1 - (upper.last ?? 0)
    let middle = Swift.max(1, Int((Double(cells) * (b - a)).rounded(.up)))
    var v = [0.0] + lower
    for i in 1..<middle { v.append(a + (b - a) * Double(i) / Double(middle)) }
    v += upper.reversed().map { 1 - $0 }
    v.append(1)
    return v
  }

  // MARK: Solvers

  /// The largest rise of the log density over one cell the gradient solver may take: 8-point Gauss–Legendre
  /// integrates `e^{xs}` on a cell to 1.6e-8 relative at `x = 10` (1.2e-12 at 5, 8e-3 at 40). Beyond it the solvers
  /// exploit quadrature error (a win rate above 1 for won:32 at β = 0.01 with a bound of 40). A result is accepted
  /// only when no cell rises by more than half of it (``OptimalTransform/refining``).
  static let maximumCellRise = 10.0

  /// Cells whose log density stays this far below its maximum carry a relative mass below e^-50 ≈ 2e-22: their
  /// quadrature error cannot reach any figure, so their rise does not count (worst-of-N at small β has `h` falling
  /// by ~N²/β over the switched-off lower range).
  static let negligibleLogDensity = 50.0

  /// The largest rise of `h` over one cell whose density is not negligible.
  static func steepestCell(_ h: [Double]) -> Double {
    let floor = (h.max() ?? 0) - negligibleLogDensity
    var steepest = 0.0
    for i in 1..<h.count where Swift.max(h[i], h[i - 1]) >= floor {
      steepest = Swift.max(steepest, abs(h[i] - h[i - 1]))
    }
    return steepest
  }

  /// The result for a solver's `h` on grid `v`: win rates, KL and objective by the piecewise-exponential density.
  /// - Complexity: three passes over the quadrature nodes (the win rate evaluates `g_ref` and `g'` at each).
  static func result(
    _ procedure: Procedure, _ on: GridReference, _ beta: Double, _ solution: Solution
  ) throws(InfAlignError) -> OptimalTransformResult {
    let v = on.grid, h = solution.h
    let density = PiecewiseExponentialDensity(grid: v, h: h)
    // KL ≥ 0 exactly; the quadrature of E[h] − log Z rounds to ±ulp(log Z) when f is (nearly) uniform, and β·KL
    // of a −2e-300 rounding at β = 1e300 would add 2 to the objective.
    let w = density.winRate(policy: procedure, referenceValues: on.values), kl = Swift.max(0, density.kl)
    return OptimalTransformResult(
      transform: try solution.transform(grid: v, beta: beta, procedure: procedure), beta: beta, kl: kl,
      standardWinRate: density.standardWinRate, winRate: w, objective: w - beta * kl,
      iterations: solution.iterations, residual: solution.residual, method: solution.method, stationaryPoints: 1)
  }

  /// Anderson-accelerated damped fixed point on `h = R/β`. On return (or throw) `closest` holds the iterate with
  /// the smallest residual when one improved on its entry value's (a warm start for L-BFGS).
  static func fixedPoint(
    _ procedure: Procedure, _ referenceDerivatives: [Double], _ beta: Double, _ v: [Double], _ startR: [Double],
    _ tolerance: Double, _ maxIterations: Int, closest: inout [Double]
  ) throws(InfAlignError) -> Solution {
    let n = v.count
    var smallest = Double.infinity  // the iterate with the smallest residual goes to `closest` (a warm start)
    var x = startR.map { $0 / beta }
    func map(_ h: [Double]) -> [Double] {
      PiecewiseExponentialDensity(grid: v, h: h).optimalR(policy: procedure, referenceDerivatives: referenceDerivatives)
        .map { $0 / beta }
    }
    var history = AndersonHistory(depth: 6)
    var alpha = 1.0
    var previous = Double.infinity
    var bestNorm = Double.infinity, sinceBest = 0
    var anderson = true
    for iteration in 1...maxIterations {
      let g = map(x)
      var f = [Double](repeating: 0, count: n)
      var norm = 0.0
      for i in 0..<n {
        f[i] = g[i] - x[i]
        norm = Swift.max(norm, abs(f[i]))
      }
      // Residual in R units (β·h): the tolerance is on the transform.
      if norm * beta <= tolerance * Swift.max(1, (g.max() ?? 0) * beta) {
        return Solution(h: g, iterations: iteration, residual: norm * beta, method: .fixedPoint)
      }
      if norm < smallest {
        smallest = norm
        closest = g
      }
      if norm < 0.9 * bestNorm {
        bestNorm = norm
        sinceBest = 0
      } else {
        sinceBest += 1
      }
      if norm > 10 * previous || sinceBest > 40 {
        // Diverging or stalled: Anderson can cycle here, so continue with plain damped iteration (halving the
        // damping on each further stall).
        sinceBest = 0
        bestNorm = norm
        history.reset()
        if anderson { anderson = false; alpha = Swift.min(alpha, 0.5) } else { alpha /= 2 }
        if alpha < 1e-6 { break }
      }
      previous = norm
      if iteration == maxIterations && norm * beta <= 1e3 * tolerance * Swift.max(1, (g.max() ?? 0) * beta) {
        // At the rounding floor of the map: accept.
        return Solution(h: g, iterations: iteration, residual: norm * beta, method: .fixedPoint)
      }
      history.record(x: x, f: f)
      let next = history.step(x: x, f: f, alpha: alpha, accelerate: anderson)
      let base = next[0]
      x = next.map { $0 - base }
    }
    throw .math(.noConvergence(method: "optimal transform fixed point", iterations: maxIterations,
                               estimate: previous * beta, tolerance: tolerance))
  }

  /// L-BFGS ascent (``LBFGS``) of `J(h) = W − β·KL` from a warm start.
  static func gradientAscent(
    _ procedure: Procedure, _ on: GridReference, _ beta: Double, _ start: [Double],
    _ maxIterations: Int
  ) -> Solution {
    // The objective's value and gradient; L-BFGS (InfAlignMath) does the ascent.
    let (v, referenceDerivatives, reference) = (on.grid, on.derivatives, on.reference)
    let n = v.count
    func objectiveAndGradient(_ h: [Double]) -> (value: Double, gradient: [Double]) {
      // Steps that leave the grid's resolution are rejected by the line search.
      if steepestCell(h) > maximumCellRise { return (-.infinity, [Double](repeating: 0, count: n)) }
      let d = PiecewiseExponentialDensity(grid: v, h: h)
      let rAtNodes = d.optimalRWithNodes(policy: procedure, referenceDerivatives: referenceDerivatives).nodes
      var w = 0.0, mean = 0.0
      var gradient = [Double](repeating: 0, count: n), weights = [Double](repeating: 0, count: n)
      var node = 0
      d.forEachNode { i, u, wf, F, S in
        w += wf * reference.value(cdf: u, survival: 1 - u) * procedure.derivative(cdf: F, survival: S)
        let s = (u - v[i]) / (v[i + 1] - v[i])
        let a = rAtNodes[node] - beta * (h[i] + (h[i + 1] - h[i]) * s)
        node += 1
        mean += wf * a
        gradient[i] += wf * (1 - s) * a
        gradient[i + 1] += wf * s * a
        weights[i] += wf * (1 - s)
        weights[i + 1] += wf * s
      }
      for k in 0..<n { gradient[k] -= mean * weights[k] }
      return (w - beta * d.kl, gradient)
    }
    let ascent = LBFGS.maximize(from: start, maxIterations: maxIterations) { objectiveAndGradient($0) }
    let (h, iterations, gradNorm) = (ascent.x, ascent.iterations, ascent.gradientNorm)
    return Solution(h: h.map { $0 - h[0] }, iterations: iterations, residual: gradNorm, method: .gradient)
  }
}
