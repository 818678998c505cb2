import RealModule

/// A density `f(u) = exp(h(u)) / Z` on [0, 1] tabulated on quadrature nodes, with its CDF `F` and survival
/// `S = 1 − F` at every node: the integration scheme behind the calibrated-space analysis (MATH.md §3).
///
/// The scheme is built for very peaked densities (`h = Φ/β` with `β` down to 1e-3 and `Φ` up to `e^50`, where the
/// mass sits in a layer ~1e-26 wide at an end):
/// 1. The two halves use coordinates that are exact near their end: `u ∈ [0, ½]` and `s = 1 − u ∈ [0, ½]`. The
///    caller supplies the log density on each half *relative to a common reference* (for a transform, relative to
///    `Φ(1)/β`, computed with `expm1`/`log1p` forms), so nothing cancels.
/// 2. Panels are graded geometrically (ratio 2) toward both ends, down to a width set by the log density's slope
///    there (`10⁻²/|h'|`), with Gauss–Legendre of order ``order`` on each; caller-given breakpoints (kinks of a
///    tabulated transform) are added as panel edges; then any panel holding non-negligible mass whose log density
///    spans more than 8 is halved, repeatedly (interior cliffs).
/// 3. Everything is shifted by the largest log density before `exp`; `F` is accumulated from below on the lower
///    half and `S` from above on the upper half, with the spectral cumulative matrix inside each panel, so both
///    are accurate where they are small.
///
/// Accuracy: relative error ~1e-14 in the total mass, the moments and the win-rate integrals for log densities
/// that are smooth on each panel (all built-in transforms), measured against closed forms and 50-digit mpmath
/// values in the tests (≤ 1e-9 is the contract).
package struct CalibratedQuadrature: Sendable {
  /// Gauss–Legendre order per panel.
  package static let order = 20

  /// Node positions in their half's coordinate: `u` for lower-half nodes, `s = 1 − u` for upper-half nodes.
  package private(set) var position: [Double] = []
  /// Whether each node is on the upper half (position is `s`).
  package private(set) var isUpper: [Bool] = []
  /// Quadrature weights (in `u`, equal to those in `s`).
  package private(set) var weight: [Double] = []
  /// Log density relative to the normalizer: `log f` at each node.
  package private(set) var logDensity: [Double] = []
  /// CDF at each node (accurate on the lower half).
  package private(set) var cdf: [Double] = []
  /// Survival `1 − F` at each node (accurate on the upper half).
  package private(set) var survival: [Double] = []
  /// `log Z − shift`, where `shift` is the caller's reference (so `log Z = shift + logNormalizer`).
  package private(set) var logNormalizer: Double = 0
  /// `E_f[h] − log Z`, i.e. `KL(f ‖ uniform) = ∫ f log f`.
  package private(set) var kl: Double = 0

  /// Tabulates the density `exp(h)/Z` given `h` (relative to any fixed reference) on each half.
  ///
  /// - Parameters:
  ///   - lower: `h(u)` for `u ∈ (0, ½]`; may be −∞ where the density vanishes.
  ///   - upper: `h(1 − s)` for `s ∈ (0, ½]`, relative to the same reference.
  ///   - slopeAtZero, slopeAtOne: `|h'|` at the ends (∞ allowed), for the grading.
  ///   - breakpoints: interior points of (0, 1) where `h` has kinks.
  ///   - singularAtZero, singularAtOne: whether `h → ±∞` at that end like a logarithm (then panels are graded
  ///     geometrically down to 1e-300, so an integrable power-law singularity keeps its mass).
  ///   - winRate: a policy and reference procedure whose win-rate integrand `g_ref(u)·g'(F(u))·f(u)` must be
  ///     resolved as well: panels are also halved where its log spans more than 8 while holding non-negligible
  ///     weight (for large N it lives in the first or last `1/N` of the mass, at a sharp edge).
  ///   - endScale: the width below which `g_ref` varies at the ends (`1/N` for a reference of N draws, whose
  ///     `1 − (1 − u)ᴺ` or `(1 − s)ᴺ` turns within `1/N` of an end): both ends are graded down to 1e-2 of it.
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` when the density is not normalizable
  ///   (`h` is +∞ or NaN somewhere, or vanishes everywhere).
  package init(
    lower: (Double) -> Double, upper: (Double) -> Double, slopeAtZero: Double, slopeAtOne: Double,
    breakpoints: [Double] = [], singularAtZero: Bool = false, singularAtOne: Bool = false,
    winRate integrand: (policy: any CDFMap, reference: any CDFMap)? = nil, endScale: Double = 1
  ) throws(InfAlignError) {
    let gl = CumulativeGaussLegendre(order: Self.order)
    let n = Self.order
    let endSlope = 1 / Swift.max(endScale, 1e-300)
    let lowerEdges = Self.edges(
      slope: Swift.max(slopeAtZero, endSlope), singular: singularAtZero,
      kinks: breakpoints.filter { $0 > 0 && $0 < 0.5 })
    let upperEdges = Self.edges(
      slope: Swift.max(slopeAtOne, endSlope), singular: singularAtOne,
      kinks: breakpoints.filter { $0 >= 0.5 && $0 < 1 }.map { 1 - $0 })
    // Panels with their node values (h of panel p at hs[p.offset ..< p.offset + n], one flat buffer, so building
    // the table costs a fixed handful of allocations); refined below where h varies too much for one panel.
    var hs: [Double] = []
    hs.reserveCapacity(8 * n * (lowerEdges.count + upperEdges.count))
    var panels: [Panel] = []
    panels.reserveCapacity(4 * (lowerEdges.count + upperEdges.count))
    func evaluate(_ a: Double, _ b: Double, _ upperHalf: Bool) throws(InfAlignError) -> Panel {
      let offset = hs.count
      let half = (b - a) / 2
      for i in 0..<n {
        let x = a + half * (1 + gl.rule.nodes[i])
        let h = upperHalf ? upper(x) : lower(x)
        if h.isNaN || h == .infinity {
          throw .invalidParameter(
            name: "log density", value: h,
            reason: "the density exp(Φ/β) is not normalizable: it is \(h) at u = \(upperHalf ? 1 - x : x)")
        }
        hs.append(h)
      }
      return Panel(a: a, b: b, upper: upperHalf, offset: offset)
    }
    for p in 0..<(lowerEdges.count - 1) { panels.append(try evaluate(lowerEdges[p], lowerEdges[p + 1], false)) }
    for p in 0..<(upperEdges.count - 1) { panels.append(try evaluate(upperEdges[p], upperEdges[p + 1], true)) }
    // Adaptive refinement: a panel whose log density spans more than 8 (a factor e^8 in the density) while holding
    // non-negligible mass is halved, up to 40 levels (interior cliffs, e.g. negexp with tiny β). With a singular
    // end the density's pointwise maximum is not a measure of mass, so the weight of each node is included.
    let byMass = singularAtZero || singularAtOne
    var refined: [Panel] = []
    refined.reserveCapacity(panels.capacity)
    /// Halves (re-evaluating h on each half) every panel `split(p, panel)` selects and that can be halved, keeps the
    /// others, into `refined`; whether any was halved.
    func refine(_ split: (Int, Panel) -> Bool) throws(InfAlignError) -> Bool {
      refined.removeAll(keepingCapacity: true)
      var changed = false
      for (p, panel) in panels.enumerated() {
        if split(p, panel) && Self.canSplit(panel) {
          let mid = (panel.a + panel.b) / 2
          refined.append(try evaluate(panel.a, mid, panel.upper))
          refined.append(try evaluate(mid, panel.b, panel.upper))
          changed = true
        } else {
          refined.append(panel)
        }
      }
      return changed
    }
    for _ in 0..<40 {
      var top = -Double.infinity
      for panel in panels {
        let lw = byMass ? Double.log(panel.b - panel.a) : 0
        for i in 0..<n { top = Swift.max(top, hs[panel.offset + i] + lw) }
      }
      let changed = try refine { _, panel in
        let (hi, spread) = Self.extent(hs, panel.offset, n)
        let level = byMass ? hi + Double.log(panel.b - panel.a) : hi
        return level > top - 60 && spread > 8
      }
      swap(&panels, &refined)
      if !changed { break }
    }
    panels.sort { ($0.upper ? 1 : 0, $0.a) < ($1.upper ? 1 : 0, $1.a) }
    if let integrand {
      // Second stage: resolve the win-rate integrand, whose factor g'(F) needs the CDF, so each round re-tabulates.
      for _ in 0..<60 {
        let table = Self.accumulate(panels: panels, hs: hs, gl: gl)
        guard table.shift > -.infinity else { break }
        let z = table.lowerTotal + table.upperTotal
        var logIntegrand = [Double](repeating: -.infinity, count: panels.count * n)
        var top = -Double.infinity
        for (p, panel) in panels.enumerated() {
          let half = (panel.b - panel.a) / 2
          for i in 0..<n {
            let j = p * n + i
            let x = panel.a + half * (1 + gl.rule.nodes[i])
            let (u, s) = panel.upper ? (1 - x, x) : (x, 1 - x)
            let c = table.cumulative[j] / z
            let rest = panel.upper
              ? (table.lowerTotal + (table.upperTotal - table.cumulative[j])) / z
              : ((table.lowerTotal - table.cumulative[j]) + table.upperTotal) / z
            let (F, S) = panel.upper ? (Swift.min(1, rest), Swift.min(1, c)) : (Swift.min(1, c), Swift.min(1, rest))
            let value = integrand.reference.value(cdf: u, survival: s)
              * integrand.policy.derivative(cdf: F, survival: S)
            let e = table.e[j]
            let l = value > 0 && e > 0 ? Double.log(value) + Double.log(e) : -.infinity
            logIntegrand[j] = l
            top = Swift.max(top, l + Double.log(half * gl.rule.weights[i]))
          }
        }
        let changed = try refine { p, panel in
          let (hi, spread) = Self.extent(logIntegrand, p * n, n)
          return hi + Double.log(panel.b - panel.a) > top - 45 && spread > 8
        }
        if !changed { break }
        swap(&panels, &refined)
        panels.sort { ($0.upper ? 1 : 0, $0.a) < ($1.upper ? 1 : 0, $1.a) }
      }
    }
    let count = panels.count * n
    position.reserveCapacity(count); isUpper.reserveCapacity(count); weight.reserveCapacity(count)
    logDensity.reserveCapacity(count)
    for panel in panels {
      let half = (panel.b - panel.a) / 2
      for i in 0..<n {
        position.append(panel.a + half * (1 + gl.rule.nodes[i]))
        isUpper.append(panel.upper)
        weight.append(half * gl.rule.weights[i])
        logDensity.append(hs[panel.offset + i])
      }
    }
    var table = Self.accumulate(panels: panels, hs: hs, gl: gl)
    if table.shift == -.infinity {
      throw .invalidParameter(name: "log density", value: table.shift, reason: "the density vanishes everywhere")
    }
    // Nearly uniform densities (spread of h below 1): centre h on its uniform mean c, so that Z = e^c(1 + m) with
    // m = ∫ expm1(h − c) and KL = (∫ d + ∫ d·expm1(d))/(1 + m) − log1p(m), d = h − c: no O(1) terms cancel, and
    // KL ~ Var(h)/2 keeps its relative accuracy even at 1e-8.
    var centre = 0.0, minimum = Double.infinity
    for j in 0..<count {
      centre += weight[j] * logDensity[j]
      minimum = Swift.min(minimum, logDensity[j])
    }
    let nearlyUniform = minimum.isFinite && table.shift - minimum < 1
    if nearlyUniform { table = Self.accumulate(panels: panels, hs: hs, gl: gl, shift: centre) }
    let shift = table.shift, e = table.e, cumulative = table.cumulative
    let lowerTotal = table.lowerTotal, upperTotal = table.upperTotal
    let z = lowerTotal + upperTotal
    if nearlyUniform {
      // With D = ∫d, q = ∫(expm1(d) − d) ≈ ∫d²/2, r = ∫d·expm1(d) ≈ ∫d² and m = D + q:
      // KL = (D + r)/(1 + m) − log1p(m) = (r − q − m²)/(1 + m) − (log1p(m) − m). D (a sum of terms of size |d|
      // that cancels to rounding) drops out exactly, so KL ≈ ∫d²/2 keeps its relative accuracy even at 1e-16.
      var sumD = 0.0, q = 0.0, r = 0.0
      for j in 0..<count {
        let d = logDensity[j] - shift
        sumD += weight[j] * d
        q += weight[j] * Self.expMinusOneMinusX(d)
        r += weight[j] * d * Double.expMinusOne(d)
      }
      let m = sumD + q
      logNormalizer = shift + Double.log(onePlus: m)
      let curvature = Swift.abs(m) < 1e-4 ? m * m * (-0.5 + m * (1.0 / 3 - m / 4)) : Double.log(onePlus: m) - m
      kl = (r - q - m * m) / (1 + m) - curvature
    } else {
      logNormalizer = Double.log(z) + shift
      kl = table.firstMoment / z - Double.log(z)
    }
    cdf = [Double](repeating: 0, count: count)
    survival = [Double](repeating: 0, count: count)
    for j in 0..<count {
      logDensity[j] = e[j] > 0 ? logDensity[j] - logNormalizer : -.infinity
      if isUpper[j] {
        survival[j] = Swift.min(1, Swift.max(0, cumulative[j] / z))
        cdf[j] = Swift.min(1, Swift.max(0, (lowerTotal + (upperTotal - cumulative[j])) / z))
      } else {
        cdf[j] = Swift.min(1, Swift.max(0, cumulative[j] / z))
        survival[j] = Swift.min(1, Swift.max(0, ((lowerTotal - cumulative[j]) + upperTotal) / z))
      }
    }
  }

  /// One panel of one half; `h` at its Gauss–Legendre nodes is stored at `offset ..< offset + order` of a flat
  /// buffer.
  struct Panel {
    var a: Double
    var b: Double
    var upper: Bool
    var offset: Int
  }

  /// `eˣ − 1 − x` without cancellation: its Taylor series to `x¹⁰` for `|x| < 0.1` (error below 1e-17 relative),
  /// else the direct difference (at most a factor 20 of cancellation).
  static func expMinusOneMinusX(_ x: Double) -> Double {
    guard Swift.abs(x) < 0.1 else { return Double.expMinusOne(x) - x }
    var term = x * x / 2, sum = term, k = 2.0
    while k < 11 {
      k += 1
      term *= x / k
      sum += term
    }
    return sum
  }

  /// `u` at node `j`.
  @inlinable package func u(_ j: Int) -> Double { isUpper[j] ? 1 - position[j] : position[j] }

  /// `∫ f(u)·φ(u, 1 − u, F(u), 1 − F(u)) du`: an expectation under the density, where `φ` receives `u` and
  /// `1 − u` (each accurate on its half) and the CDF and survival at `u`.
  package func expectation(_ phi: (_ u: Double, _ oneMinusU: Double, _ cdf: Double, _ survival: Double) -> Double)
    -> Double
  {
    var sum = 0.0
    for j in 0..<position.count where logDensity[j] > -.infinity {
      let (u, s) = isUpper[j] ? (1 - position[j], position[j]) : (position[j], 1 - position[j])
      sum += weight[j] * Double.exp(logDensity[j]) * phi(u, s, cdf[j], survival[j])
    }
    return sum
  }

  /// The standard win rate `∫ u f(u) du` (MATH.md §3).
  package var standardWinRate: Double { expectation { u, _, _, _ in u } }

  /// The inference-time win rate `W_T = ∫ g_ref(u)·g'(F(u))·f(u) du` for a policy procedure `g` and reference
  /// procedure `g_ref` (MATH.md §3).
  package func winRate(policy: some CDFMap, reference: some CDFMap) -> Double {
    expectation { u, s, f, sf in
      reference.value(cdf: u, survival: s) * policy.derivative(cdf: f, survival: sf)
    }
  }
}
