import RealModule
import InfAlignMath

/// The density `f = exp(h)/Z` on [0, 1] for a log density `h` that is piecewise linear on a grid
/// `0 = v_0 < … < v_n = 1`: the discretization behind the optimal-transform solvers (MATH.md §5).
///
/// Exact up to rounding where closed forms exist: each cell's mass `∫ e^h = Δ·e^{h_i}·(e^x − 1)/x` (`x` the rise of
/// `h` over the cell; `expm1` for `|x| < ½`, a difference of exps elsewhere; at the 8 nodes of a cell the same with a
/// Taylor series in place of `expm1`, vectorized), hence `Z` and the CDF at grid points and inside cells. Expectations
/// (KL, win rates, the fixed-point map) use 8-point Gauss–Legendre per cell with the closed-form CDF at the nodes:
/// the integrands are smooth inside cells, so this is exact to ~1e-15 for cells with `|x| ≲ 5`. Everything is shifted
/// by `max h`, so no overflow for any β.
package struct PiecewiseExponentialDensity: Sendable {
  /// Grid points.
  package let grid: [Double]
  /// Log density (unnormalized) at grid points.
  package let h: [Double]
  /// `log Z = log ∫ e^h`.
  package let logZ: Double
  /// CDF at grid points (from below) and survival (from above).
  package let cdfAtGrid: [Double]
  package let survivalAtGrid: [Double]
  @usableFromInline let shift: Double
  @usableFromInline let massBelow: [Double]  // unnormalized cumulative mass (relative to e^shift)
  @usableFromInline let total: Double
  @usableFromInline let expAtGrid: [Double]  // e^{h − shift} at grid points (≤ 1)

  @usableFromInline static let rule = GaussLegendre(order: 8)
  /// The rule's nodes as fractions `s ∈ (0, 1)` of a cell, and its weights halved (for a cell of unit width).
  @usableFromInline static let nodeFractions = SIMD8<Double>(rule.nodes.map { ($0 + 1) / 2 })
  @usableFromInline static let halfWeights = SIMD8<Double>(rule.weights.map { $0 / 2 })

  /// - Precondition: `grid` strictly increasing from 0 to 1, `h` finite, same counts (≥ 2).
  package init(grid: [Double], h: [Double]) {
    precondition(grid.count == h.count && grid.count >= 2, "grid and values must have the same count (≥ 2)")
    let n = grid.count - 1
    let shift = h.max()!
    var e = [Double](repeating: 0, count: n + 1)
    h.withUnsafeBufferPointer { hp in
      e.withUnsafeMutableBufferPointer { _ = Double.expShiftedSum(hp.baseAddress!, n + 1, shift: shift, store: $0.baseAddress!) }
    }
    var below = [Double](repeating: 0, count: n + 1)
    for i in 0..<n {
      let x = h[i + 1] - h[i], width = grid[i + 1] - grid[i]
      // Δ·e^a·(e^x − 1)/x: expm1 where the difference would cancel, the difference of stored exps elsewhere.
      let mass = abs(x) < 0.5 ? width * e[i] * (x == 0 ? 1 : Double.expMinusOne(x) / x) : width * (e[i + 1] - e[i]) / x
      below[i + 1] = below[i] + mass
    }
    let total = below[n]
    self.expAtGrid = e
    self.grid = grid
    self.h = h
    self.shift = shift
    self.massBelow = below
    self.total = total
    self.logZ = shift + Double.log(total)
    self.cdfAtGrid = below.map { $0 / total }
    self.survivalAtGrid = below.map { (total - $0) / total }
  }

  /// `(e^x − 1)/x = Σ_k x^k/(k+1)!` for `|x| < ½` by Horner's rule (``ExpSeries``), with as many terms as
  /// `bound ≥ max |x|` needs: 7 below 1e-2 (truncation 3e-19 relative), 12 below 0.1 (2e-22), 15 below ½ (5e-17).
  @inlinable @inline(__always)
  static func expm1OverX(_ x: SIMD8<Double>, bound: Double) -> SIMD8<Double> {
    switch bound {
    case 0.1...: ExpSeries.horner(x, terms: 1...15)
    case 1e-2...: ExpSeries.horner(x, terms: 1...12)
    default: ExpSeries.horner(x, terms: 1...7)
    }
  }

  /// The density `f`, the CDF `F` and the survival `1 − F` (each accurate on its side) at the 8 Gauss–Legendre nodes
  /// of cell `i`, as vectors. The in-cell mass `∫_{v_i}^{u} f` is the series `Δs·e^a·(e^{xs} − 1)/(xs)` for a cell
  /// rising by `|x| < ½`, else the difference `Δ·(e^{a+xs} − e^a)/x` of vectorized exps (`a + xs ≤ 0`, so nothing
  /// overflows).
  @inlinable @inline(__always)
  func cellNodes(_ i: Int, inverseTotal: Double) -> (density: SIMD8<Double>, cdf: SIMD8<Double>, survival: SIMD8<Double>) {
    let s = Self.nodeFractions
    let width = grid[i + 1] - grid[i], x = h[i + 1] - h[i], e = expAtGrid[i]
    let density: SIMD8<Double>, mass: SIMD8<Double>
    if abs(x) < 0.5 {
      let y = x * s
      let q = Self.expm1OverX(y, bound: abs(x))
      (density, mass) = (e * inverseTotal * (y * q + 1), (width * e * inverseTotal) * s * q)
    } else if Swift.max(h[i], h[i + 1]) - shift < -746 {
      // e^{h − shift} is 0 at every node (below the least subnormal): skip the scalar underflow path of exp.
      (density, mass) = (.zero, .zero)
    } else {
      let d = VectorExp.exp(SIMD8(repeating: h[i] - shift) + x * s)
      (density, mass) = (d * inverseTotal, (d - e) * (width / x * inverseTotal))
    }
    let above = (total - massBelow[i]) * inverseTotal - mass
    return (density, cdfAtGrid[i] + mass, above.replacing(with: 0, where: above .< 0))
  }

  /// Calls `body(cell, u, weight·f(u), F(u), 1 − F(u))` at the Gauss–Legendre nodes of every cell, so that
  /// `Σ body-weights · φ` is `∫ φ f du`.
  @inlinable
  package func forEachNode(_ body: (_ cell: Int, _ u: Double, _ weightedDensity: Double, _ cdf: Double,
                                   _ survival: Double) -> Void) {
    let s = Self.nodeFractions, inverseTotal = 1 / total
    for i in 0..<(grid.count - 1) {
      let width = grid[i + 1] - grid[i]
      let (density, cdf, survival) = cellNodes(i, inverseTotal: inverseTotal)
      let weighted = density * Self.halfWeights * width
      for q in 0..<8 { body(i, grid[i] + width * s[q], weighted[q], cdf[q], survival[q]) }
    }
  }

  /// `KL(f ‖ uniform) = E_f[h] − log Z`.
  package var kl: Double {
    var moment = 0.0
    forEachNode { i, u, wf, _, _ in
      let s = (u - grid[i]) / (grid[i + 1] - grid[i])
      moment += wf * ((h[i] - shift) + (h[i + 1] - h[i]) * s)
    }
    return moment - Double.log(total)
  }

  /// Standard win rate `∫ u f du`.
  package var standardWinRate: Double {
    var sum = 0.0
    forEachNode { _, u, wf, _, _ in sum += wf * u }
    return sum
  }

  /// Inference-time win rate `∫ g_ref(u)·g'(F)·f du`.
  package func winRate(policy: some CDFMap, reference: some CDFMap) -> Double {
    winRate(policy: policy, referenceValues: Self.referenceValues(grid: grid, reference: reference))
  }

  /// ``winRate(policy:reference:)`` with `g_ref` at the nodes precomputed (``referenceValues(grid:reference:)``):
  /// per cell one vector of `g'` (``CDFMap/derivatives(cdf:survival:)``), the terms summed node by node in order.
  package func winRate(policy: some CDFMap, referenceValues: [Double]) -> Double {
    precondition(referenceValues.count == (grid.count - 1) * 8, "reference values do not match the grid")
    let inverseTotal = 1 / total
    var sum = 0.0
    referenceValues.withUnsafeBufferPointer { gRef in
      for i in 0..<(grid.count - 1) {
        let (density, cdf, survival) = cellNodes(i, inverseTotal: inverseTotal)
        let weighted = density * Self.halfWeights * (grid[i + 1] - grid[i])
        let values = UnsafeRawPointer(gRef.baseAddress! + i * 8).loadUnaligned(as: SIMD8<Double>.self)
        let terms = weighted * values * policy.derivatives(cdf: cdf, survival: survival)
        for q in 0..<8 { sum += terms[q] }
      }
    }
    return sum
  }

  /// `g_ref(u)` at every Gauss–Legendre node of every cell of `grid` (``forEachNode`` order, survival `1 − u`): it
  /// depends on the grid only.
  package static func referenceValues(grid: [Double], reference: some CDFMap) -> [Double] {
    var out = [Double](repeating: 0, count: (grid.count - 1) * 8)
    for i in 0..<(grid.count - 1) {
      let width = grid[i + 1] - grid[i]
      for q in 0..<8 {
        let u = grid[i] + width * nodeFractions[q]
        out[i * 8 + q] = reference.value(cdf: u, survival: 1 - u)
      }
    }
    return out
  }

  /// `R` at the grid points and at every Gauss–Legendre node of every cell (in ``forEachNode`` order), from one
  /// evaluation of `g_ref'·g'(F)` per node: the grid values by the cell's rule, the node values by the cumulative
  /// (spectral) integration matrix of the same rule (``CumulativeGaussLegendre``), exact for the smooth in-cell
  /// integrand. Used for the objective's gradient.
  package func optimalRWithNodes(policy: some CDFMap, reference: some CDFMap) -> (grid: [Double], nodes: [Double]) {
    optimalRWithNodes(policy: policy, referenceDerivatives: Self.referenceDerivatives(grid: grid, reference: reference))
  }

  /// ``optimalRWithNodes(policy:reference:)`` with `g_ref'` at the nodes precomputed
  /// (``referenceDerivatives(grid:reference:)``).
  package func optimalRWithNodes(policy: some CDFMap, referenceDerivatives: [Double]) -> (grid: [Double], nodes: [Double]) {
    let cumulative = CumulativeGaussLegendre(order: Self.rule.order)
    precondition(referenceDerivatives.count == (grid.count - 1) * 8, "reference derivatives do not match the grid")
    var r = [Double](repeating: 0, count: grid.count)
    var nodes = [Double](repeating: 0, count: (grid.count - 1) * 8)
    let inverseTotal = 1 / total
    for i in 0..<(grid.count - 1) {
      let width = grid[i + 1] - grid[i]
      let (_, F, S) = cellNodes(i, inverseTotal: inverseTotal)
      let gRef = referenceDerivatives.withUnsafeBufferPointer {
        UnsafeRawPointer($0.baseAddress! + i * 8).loadUnaligned(as: SIMD8<Double>.self)
      }
      let integrand = gRef * policy.derivatives(cdf: F, survival: S)
      for q in 0..<8 {
        var c = 0.0
        for p in 0..<8 { c += cumulative.matrix[q * 8 + p] * integrand[p] }
        nodes[i * 8 + q] = r[i] + width / 2 * c
      }
      r[i + 1] = r[i] + width * (Self.halfWeights * integrand).sum()
    }
    return (r, nodes)
  }

  /// The fixed-point map of MATH.md §5 at grid points: `R(v) = ∫₀^v g_ref'(u)·g'(F(u)) du`, `R(0) = 0`.
  package func optimalR(policy: some CDFMap, reference: some CDFMap) -> [Double] {
    optimalR(policy: policy, referenceDerivatives: Self.referenceDerivatives(grid: grid, reference: reference))
  }

  /// `g_ref'(u)` at every Gauss–Legendre node of every cell of `grid`, in ``forEachNode`` order: it depends on the
  /// grid only, so an iterative solver computes it once.
  package static func referenceDerivatives(grid: [Double], reference: some CDFMap) -> [Double] {
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
  /// Per cell: the CDF at the 8 nodes in one vector (``cellNodes(_:inverseTotal:)``) and `g'` of it as one vector.
  package func optimalR(policy: some CDFMap, referenceDerivatives: [Double]) -> [Double] {
    precondition(referenceDerivatives.count == (grid.count - 1) * 8, "reference derivatives do not match the grid")
    var r = [Double](repeating: 0, count: grid.count)
    let inverseTotal = 1 / total
    referenceDerivatives.withUnsafeBufferPointer { gRef in
      for i in 0..<(grid.count - 1) {
        let (_, F, S) = cellNodes(i, inverseTotal: inverseTotal)
        let gRefNodes = UnsafeRawPointer(gRef.baseAddress! + i * 8).loadUnaligned(as: SIMD8<Double>.self)
        let cell = (Self.halfWeights * gRefNodes * policy.derivatives(cdf: F, survival: S)).sum()
        r[i + 1] = r[i] + (grid[i + 1] - grid[i]) * cell
      }
    }
    return r
  }
}
