import RealModule
import InfAlignMath

/// Newton's method on the nodal fixed point `h = G(h)` of MATH.md §5, with the exact Jacobian of the discrete map.
///
/// The map, on the grid `v_0 < … < v_n` with `h` piecewise linear and 8-point Gauss–Legendre nodes `u_iq` in cell `i`:
/// `G(h)_{i+1} − G(h)_i = (Δ_i/β)·Σ_q w_q·g_ref'(u_iq)·g'(F_iq)`, `G(h)_0 = 0`, where `F_iq = (M_i + p_iq)/T` is the
/// closed-form CDF (`M_i` the mass below `v_i`, `p_iq` the mass of cell `i` below `u_iq`, `T` the total).
///
/// Its Jacobian: the masses are exact integrals of `e^h`, so `∂p_iq/∂h_i = ∫_{v_i}^{u_iq} e^h·(1 − s)` and
/// `∂p_iq/∂h_{i+1} = ∫_{v_i}^{u_iq} e^h·s` (`s` the position in the cell), in closed form: with `x = h_{i+1} − h_i`,
/// `∫₀^σ e^{xs}·s ds = σ²·ψ(xσ)`, `ψ(z) = (e^z(z − 1) + 1)/z² = Σ_k z^k/(k!(k + 2))`. With `y_i = δM_i/T` (the CDF's
/// change at `v_i`, in the gauge `δT = 0`, which shifts `δh` by a constant only), a Newton step
/// `(I − G'(h))·δh = G(h) − h` is the two-point boundary-value problem, per cell `i`,
///
///     δh_{i+1} − δh_i − Σ_q k_iq·(y_i + a_iq·δh_i + b_iq·δh_{i+1}) = r_{i+1} − r_i,   k_iq = (Δ_i/β)·w_q·g_ref'·g''(F_iq)
///     y_{i+1} − y_i = α_i·δh_i + β_i·δh_{i+1},                                          y_0 = y_n = 0,
///
/// (`a, b, α, β` the mass derivatives above over `T`), the discrete form of the linearized stationarity condition
/// `(y'/f)' − (g_ref'·g''(F)/β)·y = r'`. Ordered `(δh_0, y_0, δh_1, y_1, …)` it is banded (2 below, 1 above the
/// diagonal), solved by LU with partial pivoting (stable where shooting from one end would not be: at small β the
/// problem has boundary layers). `δh` is then shifted so that `δh_0 = r_0`.
///
/// Newton's iterates converge quadratically to the same discrete fixed point as the plain iteration (the residual is
/// the same map); a backtracking line search on `max |G(h) − h|` keeps the iterates where the residual falls.
extension OptimalTransform {
  /// Newton's method from `startR`; `iterations` of the result counts evaluations of `G` (each Jacobian, assembled
  /// once per accepted iterate, costs about one more). On return (or throw) `closest` holds the iterate with the
  /// smallest residual (a warm start for a fallback).
  ///
  /// - Throws: ``InfAlignError/math(_:)`` with `noConvergence` when the line search fails, the Newton system is
  ///   singular or `maxEvaluations` is spent.
  /// - Complexity: O(`v.count`) per evaluation; typically 5–30 evaluations.
  static func newton(
    _ procedure: Procedure, _ referenceDerivatives: [Double], _ beta: Double, _ v: [Double], _ startR: [Double],
    _ tolerance: Double, _ maxEvaluations: Int, closest: inout [Double]
  ) throws(InfAlignError) -> Solution {
    var evaluations = 0
    func evaluate(_ h: [Double]) -> (density: PiecewiseExponentialDensity, g: [Double], norm: Double)? {
      guard h.allSatisfy(\.isFinite) else { return nil }
      evaluations += 1
      let d = PiecewiseExponentialDensity(grid: v, h: h)
      let g = d.optimalR(policy: procedure, referenceDerivatives: referenceDerivatives).map { $0 / beta }
      var norm = 0.0
      for i in 0..<h.count { norm = Swift.max(norm, abs(g[i] - h[i])) }
      return norm.isFinite ? (d, g, norm) : nil
    }
    func converged(_ e: (density: PiecewiseExponentialDensity, g: [Double], norm: Double), floor: Double = 1) -> Bool {
      // Residual in R units (β·h): the tolerance is on the transform (as for the fixed point).
      e.norm * beta <= floor * tolerance * Swift.max(1, (e.g.max() ?? 0) * beta)
    }
    func failure(_ norm: Double) -> InfAlignError {
      .math(.noConvergence(method: "optimal transform Newton", iterations: evaluations, estimate: norm * beta,
                           tolerance: tolerance))
    }
    var x = startR.map { $0 / beta }
    guard var current = evaluate(x) else { throw failure(.infinity) }
    closest = current.g
    while true {
      if converged(current) {
        return Solution(h: current.g, iterations: evaluations, residual: current.norm * beta, method: .fixedPoint)
      }
      guard evaluations < maxEvaluations,
        let step = newtonStep(current.density, current.g, x, procedure, referenceDerivatives, beta)
      else { throw failure(current.norm) }
      // Backtracking: the full step, then halves, while the residual does not fall.
      var lambda = 1.0
      var accepted: (x: [Double], e: (density: PiecewiseExponentialDensity, g: [Double], norm: Double))? = nil
      while lambda >= 1.0 / 64 && evaluations < maxEvaluations {
        let trial = zip(x, step).map { $0 + lambda * $1 }
        if let e = evaluate(trial), e.norm < current.norm {
          accepted = (trial, e)
          break
        }
        lambda /= 2
      }
      guard let accepted else {
        // At the rounding floor of the map no step lowers the residual: accept as the fixed point does.
        if converged(current, floor: 1e3) {
          return Solution(h: current.g, iterations: evaluations, residual: current.norm * beta, method: .fixedPoint)
        }
        throw failure(current.norm)
      }
      (x, current) = accepted
      closest = current.g
    }
  }

  /// Newton converges from the identity in under ~10 evaluations for β down to about this (bon:32 at β = 0.1: 8), and
  /// from the solution at `β·e^{±maximumStep}` in 3–8; from the identity at β = 1e-7 it creeps (the residual
  /// halves per step), so smaller β are reached by continuation.
  static let easyBeta = 0.05, maximumStep = 1.5

  /// A start for a concave solve at `beta`: the solution at `origin` (or, when nil and `beta < easyBeta`, the cold
  /// solution at ``easyBeta``), carried to `beta` in steps of at most ``maximumStep`` in `log β`, each solved from
  /// the previous. Nil when no continuation is needed (no origin and `beta ≥ easyBeta`) or a step fails (the caller
  /// then starts from the identity). `evaluations` counts every step's map evaluations.
  static func continuation(
    _ procedure: Procedure, _ reference: Procedure, _ beta: Double, _ grid: Int, _ method: Method,
    _ tolerance: Double, _ maxIterations: Int, from origin: (beta: Double, transform: Transform)?
  ) -> (beta: Double, transform: Transform, evaluations: Int)? {
    let target = Double.log(beta)
    var evaluations = 0
    var current: (logBeta: Double, transform: Transform)
    if let origin {
      current = (Double.log(origin.beta), origin.transform)
    } else {
      guard beta < easyBeta,
        let r = try? solve(procedure: procedure, reference: reference, beta: easyBeta, grid: grid, method: method,
                           tolerance: tolerance, maxIterations: maxIterations, warmStart: nil)
      else { return nil }
      current = (Double.log(easyBeta), r.transform)
      evaluations += r.iterations
    }
    while abs(current.logBeta - target) > maximumStep {
      let next = current.logBeta + (target > current.logBeta ? maximumStep : -maximumStep)
      // One step: a warm solve at an intermediate β (an origin within one step needs no further continuation).
      guard let r = try? solve(procedure: procedure, reference: reference, beta: Double.exp(next), grid: grid,
                               method: method, tolerance: tolerance, maxIterations: maxIterations,
                               warmStart: (Double.exp(current.logBeta), current.transform))
      else { return nil }
      current = (next, r.transform)
      evaluations += r.iterations
    }
    return (Double.exp(current.logBeta), current.transform, evaluations)
  }

  /// The Newton step `δh` solving `(I − G'(h))·δh = G(h) − h` (the banded system on the type's doc comment), or nil
  /// when the system is singular or the step not finite.
  package static func newtonStep(
    _ d: PiecewiseExponentialDensity, _ g: [Double], _ h: [Double], _ procedure: Procedure,
    _ referenceDerivatives: [Double], _ beta: Double
  ) -> [Double]? {
    let n = h.count - 1, s = PiecewiseExponentialDensity.nodeFractions
    let inverseTotal = 1 / d.total
    var system = BandedSystem(size: 2 * (n + 1))
    system.set(0, 1, 1)  // y_0 = 0
    for i in 0..<n {
      let width = d.grid[i + 1] - d.grid[i], x = h[i + 1] - h[i], e = d.expAtGrid[i]
      let (_, F, S) = d.cellNodes(i, inverseTotal: inverseTotal)
      let gRef = referenceDerivatives.withUnsafeBufferPointer {
        UnsafeRawPointer($0.baseAddress! + i * 8).loadUnaligned(as: SIMD8<Double>.self)
      }
      let k = (width / beta) * PiecewiseExponentialDensity.halfWeights * gRef
        * procedure.secondDerivatives(cdf: F, survival: S)
      // Mass derivatives over T: b (∂/∂h_{i+1}) at the nodes and over the whole cell; a = p − b, α = m − β.
      let partial = F - d.cdfAtGrid[i]
      let b: SIMD8<Double>, whole: Double
      if abs(x) < 0.5 {
        let scale = width * e * inverseTotal
        b = scale * s * s * psi(x * s)
        whole = scale * psi(SIMD8(repeating: x))[0]
      } else if Swift.max(h[i], h[i + 1]) - d.shift < -746 {
        (b, whole) = (.zero, 0)  // no mass (as in cellNodes)
      } else {
        let nodes = VectorExp.exp(SIMD8(repeating: h[i] - d.shift) + x * s)
        let scale = width * inverseTotal / (x * x)
        b = scale * (nodes * (x * s - 1) + e)
        whole = scale * (d.expAtGrid[i + 1] * (x - 1) + e)
      }
      let a = partial - b
      let mass = (d.massBelow[i + 1] - d.massBelow[i]) * inverseTotal
      let row = 2 * i + 1
      system.set(row, 2 * i, -1 - (k * a).sum())
      system.set(row, 2 * i + 1, -k.sum())
      system.set(row, 2 * i + 2, 1 - (k * b).sum())
      system.rhs[row] = (g[i + 1] - h[i + 1]) - (g[i] - h[i])
      system.set(row + 1, 2 * i, -(mass - whole))
      system.set(row + 1, 2 * i + 1, -1)
      system.set(row + 1, 2 * i + 2, -whole)
      system.set(row + 1, 2 * i + 3, 1)
    }
    system.set(2 * n + 1, 2 * n + 1, 1)  // y_n = 0
    guard let z = system.solve() else { return nil }
    let offset = (g[0] - h[0]) - z[0]
    let step = (0...n).map { z[2 * $0] + offset }
    return step.allSatisfy(\.isFinite) ? step : nil
  }

  /// `ψ(z) = ∫₀¹ t·e^{zt} dt = Σ_k z^k/(k!(k + 2))` for `|z| < ½` (15 terms: truncation below 1e-17 relative).
  @inline(__always)
  static func psi(_ z: SIMD8<Double>) -> SIMD8<Double> {
    var p = SIMD8<Double>(repeating: ExpSeries.coefficient(15) / 17)
    for k in stride(from: 14, through: 0, by: -1) { p = p * z + ExpSeries.coefficient(k) / Double(k + 2) }
    return p
  }
}

/// A square linear system with 2 sub- and 1 super-diagonal, solved by LU with partial pivoting (LAPACK's `dgbsv`
/// scheme: pivoting fills in up to 3 above the diagonal). Row `r` stores columns `r − 2 … r + 3`.
struct BandedSystem {
  static let below = 2, width = 6
  let size: Int
  var entries: [Double]
  var rhs: [Double]

  init(size: Int) {
    self.size = size
    entries = [Double](repeating: 0, count: size * Self.width)
    rhs = [Double](repeating: 0, count: size)
  }

  /// Sets `A[row, column]` (`row − 2 ≤ column ≤ row + 1`).
  mutating func set(_ row: Int, _ column: Int, _ value: Double) {
    entries[row * Self.width + column - row + Self.below] = value
  }

  /// The solution, or nil for a zero pivot or a result that is not finite.
  /// - Complexity: O(size), about 30 flops per row.
  mutating func solve() -> [Double]? {
    let n = size, w = Self.width, kl = Self.below
    func at(_ r: Int, _ c: Int) -> Int { r * w + c - r + kl }
    for j in 0..<n {
      // Pivot among rows j … j + 2.
      var p = j
      for r in (j + 1)..<Swift.min(n, j + kl + 1) where abs(entries[at(r, j)]) > abs(entries[at(p, j)]) { p = r }
      let last = Swift.min(n - 1, j + 3)
      if p != j {
        for c in j...last { entries.swapAt(at(j, c), at(p, c)) }
        rhs.swapAt(j, p)
      }
      let pivot = entries[at(j, j)]
      guard pivot != 0 && pivot.isFinite else { return nil }
      for r in (j + 1)..<Swift.min(n, j + kl + 1) {
        let l = entries[at(r, j)] / pivot
        if l == 0 { continue }
        entries[at(r, j)] = 0
        if j + 1 <= last { for c in (j + 1)...last { entries[at(r, c)] -= l * entries[at(j, c)] } }
        rhs[r] -= l * rhs[j]
      }
    }
    var x = [Double](repeating: 0, count: n)
    for j in stride(from: n - 1, through: 0, by: -1) {
      var sum = rhs[j]
      if j + 1 <= Swift.min(n - 1, j + 3) { for c in (j + 1)...Swift.min(n - 1, j + 3) { sum -= entries[at(j, c)] * x[c] } }
      x[j] = sum / entries[at(j, j)]
      if !x[j].isFinite { return nil }
    }
    return x
  }
}
