import RealModule

/// Tanh–sinh (double-exponential) quadrature on [a, b], for integrands with integrable endpoint singularities
/// (`log u`, `u^(-1/2)` at 0) as well as smooth ones.
///
/// The substitution `x = tanh(π/2·sinh t)` clusters nodes doubly-exponentially at both ends; the trapezoidal rule
/// in `t` then converges exponentially in the number of nodes. Nodes near an end are formed from their
/// distance to that end (`b − (b−a)/(1 + e^{2v})`), so integrands singular at `a` see arguments as close as
/// ~1e-300 to `a` without rounding to it. Put the singular end at `a` when you can: a distance of 1e-300 from
/// `b = 1` rounds to `b`.
///
/// Levels halve the step until two successive levels agree to the tolerance; for analytic integrands each level
/// roughly doubles the number of correct digits, so the returned value is typically far more accurate than the
/// difference of the last two levels.
public enum TanhSinh {
  /// `∫_a^b f(x) dx`.
  ///
  /// - Parameters:
  ///   - tolerance: relative agreement required between the last two levels (absolute when the integral is ~0).
  ///   - maxLevel: the step is `2^-level`; 12 levels use at most ~25,000 evaluations.
  /// - Throws: ``MathError/quadratureTolerance(achieved:requested:)`` when levels still disagree at `maxLevel`;
  ///   ``MathError/nonFinite(row:column:value:)`` (column = evaluation index) when `f` returns NaN or ∞.
  public static func integrate(
    _ f: (Double) -> Double, over a: Double, _ b: Double, tolerance: Double = 1e-12, maxLevel: Int = 12
  ) throws(MathError) -> GaussKronrod.Result {
    precondition(a <= b, "tanh–sinh needs a ≤ b, got [\(a), \(b)]")
    if a == b { return .init(value: 0, errorEstimate: 0, evaluations: 0) }
    let halfWidth = (b - a) / 2
    let tMax = 6.56  // beyond this the node distance to the ends underflows in Double
    var evaluations = 0

    /// The weighted integrand at ±t (one node at t = 0).
    func term(_ t: Double) throws(MathError) -> Double {
      let v = Double.pi / 2 * Double.sinh(t)
      let coshV = Double.cosh(v)
      let weight = Double.pi / 2 * Double.cosh(t) / (coshV * coshV)
      // distance from the nearer end, scaled: (b−a)/(1+e^{2|v|})
      let distance = 2 * halfWidth / (1 + Double.exp(2 * abs(v)))
      if distance == 0 || weight == 0 { return 0 }
      func at(_ x: Double) throws(MathError) -> Double {
        let fx = f(x)
        evaluations += 1
        if !fx.isFinite { throw .nonFinite(row: 0, column: evaluations - 1, value: fx) }
        return fx
      }
      if t == 0 { return weight * (try at(a + halfWidth)) }
      // A node that rounds onto an end is skipped: its weight is below the rounding of the sum.
      let left = a + distance, right = b - distance
      return weight * ((left > a ? try at(left) : 0) + (right < b ? try at(right) : 0))
    }

    var h = 1.0
    var sum = try term(0)
    var k = 1.0
    while k * h <= tMax {
      sum += try term(k * h)
      k += 1
    }
    var previous = sum * h * halfWidth
    for _ in 1...maxLevel {
      h /= 2
      var odd = 1.0
      while odd * h <= tMax {
        sum += try term(odd * h)
        odd += 2
      }
      let current = sum * h * halfWidth
      let difference = abs(current - previous)
      if difference <= tolerance * max(abs(current), 1e-300) || difference == 0 {
        return .init(value: current, errorEstimate: difference, evaluations: evaluations)
      }
      previous = current
    }
    throw .quadratureTolerance(achieved: abs(previous), requested: tolerance)
  }
}
