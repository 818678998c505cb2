import RealModule

/// The density `f = exp(h)/Z` on [0, 1] for a log density `h` that is piecewise linear on a grid
/// `0 = v_0 < … < v_n = 1`: the discretization behind the optimal-transform solvers (MATH.md §5).
///
/// Exact up to rounding where closed forms exist: each cell's mass `∫ e^h = Δ·e^{h_i}·(e^x − 1)/x` (`x` the rise of
/// `h` over the cell, `expm1` for small `x`), hence `Z` and the CDF at grid points and inside cells. Expectations
/// (KL, win rates, the fixed-point map) use 8-point Gauss–Legendre per cell with the closed-form CDF at the nodes:
/// the integrands are smooth inside cells, so this is exact to ~1e-15 for cells with `|x| ≲ 5`. Everything is shifted
/// by `max h`, so no overflow for any β.
public struct PiecewiseExponentialDensity: Sendable {
  /// Grid points.
  public let grid: [Double]
  /// Log density (unnormalized) at grid points.
  public let h: [Double]
  /// `log Z = log ∫ e^h`.
  public let logZ: Double
  /// CDF at grid points (from below) and survival (from above).
  public let cdfAtGrid: [Double]
  public let survivalAtGrid: [Double]
  @usableFromInline let shift: Double
  @usableFromInline let massBelow: [Double]  // unnormalized cumulative mass (relative to e^shift)
  @usableFromInline let total: Double

  @usableFromInline static let rule = GaussLegendre(order: 8)

  /// - Precondition: `grid` strictly increasing from 0 to 1, `h` finite, same counts (≥ 2).
  public init(grid: [Double], h: [Double]) {
    precondition(grid.count == h.count && grid.count >= 2, "grid and values must have the same count (≥ 2)")
    let n = grid.count - 1
    let shift = h.max()!
    var below = [Double](repeating: 0, count: n + 1)
    for i in 0..<n { below[i + 1] = below[i] + Self.cellMass(grid[i + 1] - grid[i], h[i] - shift, h[i + 1] - shift) }
    let total = below[n]
    self.grid = grid
    self.h = h
    self.shift = shift
    self.massBelow = below
    self.total = total
    self.logZ = shift + Double.log(total)
    self.cdfAtGrid = below.map { $0 / total }
    self.survivalAtGrid = below.map { (total - $0) / total }
  }

  /// `∫ over a cell of width Δ of e^{a + (b − a)s}` for log-values `a`, `b` at its ends (both ≤ 0 after the shift).
  @inlinable
  static func cellMass(_ width: Double, _ a: Double, _ b: Double) -> Double {
    let x = b - a
    if abs(x) < 1 { return width * Double.exp(a) * (x == 0 ? 1 : Double.expMinusOne(x) / x) }
    return width * (Double.exp(b) - Double.exp(a)) / x
  }

  /// Calls `body(cell, u, weight·f(u), F(u), 1 − F(u))` at the Gauss–Legendre nodes of every cell, so that
  /// `Σ body-weights · φ` is `∫ φ f du`.
  @inlinable
  public func forEachNode(_ body: (_ cell: Int, _ u: Double, _ weightedDensity: Double, _ cdf: Double,
                                   _ survival: Double) -> Void) {
    let rule = Self.rule
    for i in 0..<(grid.count - 1) {
      let width = grid[i + 1] - grid[i]
      let a = h[i] - shift, x = h[i + 1] - h[i]
      for q in 0..<rule.order {
        let s = (rule.nodes[q] + 1) / 2
        let density = Double.exp(a + x * s) / total
        let partial = Self.cellMass(width * s, a, a + x * s) / total
        let cdf = cdfAtGrid[i] + partial
        let survival = (total - massBelow[i]) / total - partial
        body(i, grid[i] + width * s, width * rule.weights[q] / 2 * density, cdf, Swift.max(0, survival))
      }
    }
  }

  /// `KL(f ‖ uniform) = E_f[h] − log Z`.
  public var kl: Double {
    var moment = 0.0
    forEachNode { i, u, wf, _, _ in
      let s = (u - grid[i]) / (grid[i + 1] - grid[i])
      moment += wf * ((h[i] - shift) + (h[i + 1] - h[i]) * s)
    }
    return moment - Double.log(total)
  }

  /// Standard win rate `∫ u f du`.
  public var standardWinRate: Double {
    var sum = 0.0
    forEachNode { _, u, wf, _, _ in sum += wf * u }
    return sum
  }

  /// Inference-time win rate `∫ g_ref(u)·g'(F)·f du`.
  public func winRate(policy: some CDFMap, reference: some CDFMap) -> Double {
    var sum = 0.0
    forEachNode { _, u, wf, F, S in
      sum += wf * reference.value(cdf: u, survival: 1 - u) * policy.derivative(cdf: F, survival: S)
    }
    return sum
  }

  /// `R` at the grid points and at every Gauss–Legendre node of every cell (in ``forEachNode`` order), from one
  /// evaluation of `g_ref'·g'(F)` per node: the grid values by the cell's rule, the node values by the cumulative
  /// (spectral) integration matrix of the same rule (``CumulativeGaussLegendre``), exact for the smooth in-cell
  /// integrand. Used for the objective's gradient.
  public func optimalRWithNodes(policy: some CDFMap, reference: some CDFMap) -> (grid: [Double], nodes: [Double]) {
    let cumulative = CumulativeGaussLegendre(order: Self.rule.order)
    let rule = cumulative.rule
    let m = rule.order
    var r = [Double](repeating: 0, count: grid.count)
    var nodes = [Double](repeating: 0, count: (grid.count - 1) * m)
    var integrand = [Double](repeating: 0, count: m)
    for i in 0..<(grid.count - 1) {
      let width = grid[i + 1] - grid[i]
      let a = h[i] - shift, x = h[i + 1] - h[i]
      var cell = 0.0
      for q in 0..<m {
        let s = (rule.nodes[q] + 1) / 2
        let u = grid[i] + width * s
        let partial = Self.cellMass(width * s, a, a + x * s) / total
        let F = cdfAtGrid[i] + partial
        let S = Swift.max(0, (total - massBelow[i]) / total - partial)
        integrand[q] = reference.derivative(cdf: u, survival: 1 - u) * policy.derivative(cdf: F, survival: S)
        cell += rule.weights[q] / 2 * integrand[q]
      }
      for q in 0..<m {
        var c = 0.0
        for p in 0..<m { c += cumulative.matrix[q * m + p] * integrand[p] }
        nodes[i * m + q] = r[i] + width / 2 * c
      }
      r[i + 1] = r[i] + width * cell
    }
    return (r, nodes)
  }

  /// The fixed-point map of MATH.md §5 at grid points: `R(v) = ∫₀^v g_ref'(u)·g'(F(u)) du`, `R(0) = 0`.
  public func optimalR(policy: some CDFMap, reference: some CDFMap) -> [Double] {
    optimalR(policy: policy, referenceDerivatives: Self.referenceDerivatives(grid: grid, reference: reference))
  }

  /// `g_ref'(u)` at every Gauss–Legendre node of every cell of `grid`, in ``forEachNode`` order: it depends on the
  /// grid only, so an iterative solver computes it once.
  public static func referenceDerivatives(grid: [Double], reference: some CDFMap) -> [Double] {
    let rule = Self.rule
    var out = [Double](repeating: 0, count: (grid.count - 1) * rule.order)
    for i in 0..<(grid.count - 1) {
      let width = grid[i + 1] - grid[i]
      for q in 0..<rule.order {
        // u = v_i + Δ·s and 1 − u = (1 − v_{i+1}) + Δ·(1 − s), each accurate on its side.
        let s = (rule.nodes[q] + 1) / 2
        out[i * rule.order + q] = reference.derivative(
          cdf: grid[i] + width * s, survival: (1 - grid[i + 1]) + width * (1 - s))
      }
    }
    return out
  }

  /// ``optimalR(policy:reference:)`` with `g_ref'` at the nodes precomputed (``referenceDerivatives(grid:reference:)``).
  ///
  /// Per node: one `expm1` for the in-cell CDF (the cell's `e^{h_i}` is hoisted) and one `g'(F)`.
  public func optimalR(policy: some CDFMap, referenceDerivatives: [Double]) -> [Double] {
    let rule = Self.rule, m = rule.order
    precondition(referenceDerivatives.count == (grid.count - 1) * m, "reference derivatives do not match the grid")
    var r = [Double](repeating: 0, count: grid.count)
    let s = rule.nodes.map { ($0 + 1) / 2 }, halfWeights = rule.weights.map { $0 / 2 }
    let inverseTotal = 1 / total
    for i in 0..<(grid.count - 1) {
      let width = grid[i + 1] - grid[i]
      let a = h[i] - shift, x = h[i + 1] - h[i]
      let scale = width * Double.exp(a) * inverseTotal
      let below = cdfAtGrid[i], above = (total - massBelow[i]) * inverseTotal
      var cell = 0.0
      for q in 0..<m {
        let y = x * s[q]
        // Mass of [v_i, v_i + Δ·s] over Z: Δ·s·e^a·(e^y − 1)/y; the direct difference for steep cells, where
        // e^a·expm1(y) could overflow.
        let partial = abs(x) < 40
          ? scale * (y == 0 ? s[q] : Double.expMinusOne(y) / x)
          : Self.cellMass(width * s[q], a, a + y) * inverseTotal
        let F = below + partial
        let S = Swift.max(0, above - partial)
        cell += halfWeights[q] * referenceDerivatives[i * m + q] * policy.derivative(cdf: F, survival: S)
      }
      r[i + 1] = r[i] + width * cell
    }
    return r
  }
}
