import RealModule

/// Tanh–sinh (double-exponential) quadrature on a finite interval, for integrands with integrable endpoint
/// singularities such as `log u`, `u^(−1/2)` or `log u · log(1 − u)` on `[0, 1]`.
///
/// The substitution `x = (a + b)/2 + (b − a)/2 · tanh(π/2 · sinh t)` turns `∫ₐᵇ f` into an integral over `t ∈ ℝ`
/// whose integrand decays double-exponentially, and the trapezoidal rule in `t` with step `h` converges like
/// `exp(−c/h)`: every level halves `h` and roughly doubles the number of correct digits. Level ℓ uses step `2^(−ℓ)`
/// on `|t| ≤ tₘₐₓ ≈ 6.1` (where nodes come within `10⁻³⁰⁰·(b − a)` of an endpoint), reusing all earlier nodes; the
/// range is trimmed once, after level 0, to where the terms are not negligible. The iteration stops when two
/// successive levels agree to `max(absoluteTolerance, relativeTolerance·|value|)` (or to rounding level), so the
/// returned error estimate `|I_ℓ − I_ℓ₋₁|` is pessimistic: the true error is usually far smaller.
///
/// Accuracy (checked in the tests, to `1e-12` relative): `∫₀¹ log u = −1`, `∫₀¹ u^(−1/2) = 2`,
/// `∫₀¹ log u · log(1 − u) = 2 − π²/6`, `∫₀¹ (1 − u)^(−1/2) = 2` through the endpoint-distance overload, `eˣ`,
/// `1/(1 + x²)`, and the peaked `exp((u − 1)/β)` with `β = 10⁻³`, each with a few hundred evaluations.
///
/// Endpoint distances: a node at distance `d` from `b` is `b − d` in floating point, which loses `d` entirely once
/// `d < ulp(b)/2`. An integrand singular at an endpoint other than 0 (such as `(1 − u)^(−1/2)` at `u = 1`) computed
/// from `x` alone is therefore only accurate to about `√ε ≈ 1e-8`; use
/// ``integrate(endpointDistances:over:_:absoluteTolerance:relativeTolerance:maxLevels:)``, which passes `x − a` and
/// `b − x` computed without cancellation. The plain overload skips nodes that round onto an endpoint, so `f` is
/// never called at `a` or `b`. The same overload serves integrands peaked at an endpoint with a width near the
/// rounding of `x` there: `exp((u − 1)/β)` with `β = 10⁻⁶` is accurate to `1e-12` as
/// `{ _, _, toUpper in .exp(-toUpper / β) }`, but only to about `1e-10` from `u` (nodes rounded to `ulp(1)`).
public enum TanhSinh {
  /// An integrand told its node's distances to both endpoints: `f(x, x − a, b − x)`, the distances computed
  /// accurately even where `x` itself rounds onto an endpoint.
  public typealias EndpointIntegrand = (_ x: Double, _ distanceToLower: Double, _ distanceToUpper: Double) -> Double

  /// `∫ₐᵇ f(x) dx` with its error estimate.
  ///
  /// `b < a` gives the negated integral over `[b, a]`; `a == b` gives `(0, 0)` without evaluating `f`.
  ///
  /// - Parameters:
  ///   - absoluteTolerance, relativeTolerance: stop when two levels agree to `max(absoluteTolerance,
  ///     relativeTolerance·|value|)`; finite, non-negative, not both zero.
  ///   - maxLevels: the finest level tried (level ℓ costs about `12·2^ℓ` evaluations in all).
  /// - Throws: `MathError.quadratureTolerance` if the levels never agree (use
  ///   ``integrateBestEffort(_:over:_:absoluteTolerance:relativeTolerance:maxLevels:)`` to get the estimate
  ///   anyway); `MathError.invalidArgument` for non-finite `a`, `b` or `b − a`, bad tolerances, or a non-finite
  ///   value of `f` (the message names `x`).
  /// - Complexity: about `12·2^ℓ` evaluations of `f` when level ℓ converges (fewer after trimming).
  public static func integrate(
    _ f: (Double) -> Double, over a: Double, _ b: Double, absoluteTolerance: Double = 1e-15,
    relativeTolerance: Double = 1e-12, maxLevels: Int = 10
  ) throws(MathError) -> (value: Double, errorEstimate: Double) {
    try checked(
      integrateBestEffort(
        f, over: a, b, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance,
        maxLevels: maxLevels),
      absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance)
  }

  /// `∫ₐᵇ f(x, x − a, b − x) dx`: as ``integrate(_:over:_:absoluteTolerance:relativeTolerance:maxLevels:)``, but the
  /// integrand also gets both endpoint distances, computed accurately, so that singularities at either end can be
  /// evaluated without cancellation (write `(1 − u)^(−1/2)` as `{ _, _, toUpper in 1 / toUpper.squareRoot() }`).
  ///
  /// For `b < a` the integral over `[b, a]` is negated, and the distances are to `b` (lower) and `a` (upper).
  public static func integrate(
    endpointDistances f: EndpointIntegrand, over a: Double, _ b: Double, absoluteTolerance: Double = 1e-15,
    relativeTolerance: Double = 1e-12, maxLevels: Int = 10
  ) throws(MathError) -> (value: Double, errorEstimate: Double) {
    try checked(
      integrateBestEffort(
        endpointDistances: f, over: a, b, absoluteTolerance: absoluteTolerance,
        relativeTolerance: relativeTolerance, maxLevels: maxLevels),
      absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance)
  }

  /// As ``integrate(_:over:_:absoluteTolerance:relativeTolerance:maxLevels:)``, returning the finest level's value
  /// with `converged == false` instead of throwing when the levels do not agree.
  ///
  /// - Throws: `MathError.invalidArgument` only.
  public static func integrateBestEffort(
    _ f: (Double) -> Double, over a: Double, _ b: Double, absoluteTolerance: Double = 1e-15,
    relativeTolerance: Double = 1e-12, maxLevels: Int = 10
  ) throws(MathError) -> QuadratureResult {
    let lower = min(a, b)
    let upper = max(a, b)
    return try integrateBestEffort(
      endpointDistances: { x, _, _ in
        // Nodes that rounded onto an endpoint carry negligible weight; never evaluate f there.
        x <= lower || x >= upper ? 0 : f(x)
      }, over: a, b, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance,
      maxLevels: maxLevels)
  }

  /// As ``integrate(endpointDistances:over:_:absoluteTolerance:relativeTolerance:maxLevels:)``, returning the
  /// finest level's value with `converged == false` instead of throwing when the levels do not agree.
  ///
  /// - Throws: `MathError.invalidArgument` only.
  public static func integrateBestEffort(
    endpointDistances f: EndpointIntegrand, over a: Double, _ b: Double, absoluteTolerance: Double = 1e-15,
    relativeTolerance: Double = 1e-12, maxLevels: Int = 10
  ) throws(MathError) -> QuadratureResult {
    try validateQuadratureTolerances("TanhSinh", absolute: absoluteTolerance, relative: relativeTolerance)
    guard a.isFinite, b.isFinite, (b - a).isFinite else {
      throw .invalidArgument("TanhSinh: the interval [\(a), \(b)] must be finite with a finite length")
    }
    if a == b { return QuadratureResult(value: 0, errorEstimate: 0, evaluations: 0, converged: true) }
    var result = try levels(
      f, lower: min(a, b), upper: max(a, b), absoluteTolerance: absoluteTolerance,
      relativeTolerance: relativeTolerance, maxLevels: max(2, maxLevels))
    if b < a { result.value = -result.value }
    return result
  }

  private static func checked(
    _ result: QuadratureResult, absoluteTolerance: Double, relativeTolerance: Double
  ) throws(MathError) -> (value: Double, errorEstimate: Double) {
    if !result.converged {
      throw .quadratureTolerance(
        achieved: result.errorEstimate, requested: max(absoluteTolerance, relativeTolerance * abs(result.value)))
    }
    return (result.value, result.errorEstimate)
  }

  /// The level iteration on `[lower, upper]`, `lower < upper`.
  private static func levels(
    _ f: EndpointIntegrand, lower a: Double, upper b: Double, absoluteTolerance: Double,
    relativeTolerance: Double, maxLevels: Int
  ) throws(MathError) -> QuadratureResult {
    let length = b - a
    // Farthest t: where the node's distance to its endpoint, length·e^(−2s)/(1 + e^(−2s)), reaches ~1e-300·length.
    let tMax = Double.asinh(2 / Double.pi * 0.5 * -Double.log(1e-300))
    var evaluations = 0

    /// The terms `w(t)·f(x(t))` for the nodes at `−t` (near a, if `left`) and `+t` (near b, if `right`), `t > 0`.
    func terms(_ t: Double, left: Bool = true, right: Bool = true) throws(MathError) -> (left: Double, right: Double) {
      let s = Double.pi / 2 * Double.sinh(t)
      let e = Double.exp(-2 * s)
      let near = length * (e / (1 + e))  // distance to the nearer endpoint
      let far = length / (1 + e)  // distance to the other one
      let weight = length * Double.pi * Double.cosh(t) * e / ((1 + e) * (1 + e))
      if weight == 0 || near == 0 { return (0, 0) }
      var result = (left: 0.0, right: 0.0)
      if left {
        let x = a + near
        let value = f(x, near, far)
        evaluations += 1
        guard value.isFinite else { throw .invalidArgument("TanhSinh: integrand is \(value) at x = \(x)") }
        result.left = weight * value
      }
      if right {
        let x = b - near
        let value = f(x, far, near)
        evaluations += 1
        guard value.isFinite else { throw .invalidArgument("TanhSinh: integrand is \(value) at x = \(x)") }
        result.right = weight * value
      }
      return result
    }

    // Level 0: step 1 on [−tMax, tMax].
    let center = f(a + 0.5 * length, 0.5 * length, 0.5 * length)
    evaluations += 1
    guard center.isFinite else { throw .invalidArgument("TanhSinh: integrand is \(center) at x = \(a + 0.5 * length)") }
    let centerTerm = length * Double.pi / 4 * center
    var sum = centerTerm
    var absSum = abs(centerTerm)
    let kMax = Int(tMax)
    var leftTerms = [Double](repeating: 0, count: kMax + 1)
    var rightTerms = [Double](repeating: 0, count: kMax + 1)
    for k in 1...kMax {
      let (l, r) = try terms(Double(k))
      leftTerms[k] = l
      rightTerms[k] = r
      sum += l + r
      absSum += abs(l) + abs(r)
    }
    // Trim each side one step beyond its last term that is not negligible against the whole.
    let negligible = Double.ulpOfOne * 1e-3 * absSum
    var tLeft = tMax
    var tRight = tMax
    if absSum > 0 {
      var lastLeft = 0
      var lastRight = 0
      for k in 1...kMax {
        if abs(leftTerms[k]) > negligible { lastLeft = k }
        if abs(rightTerms[k]) > negligible { lastRight = k }
      }
      tLeft = min(tMax, Double(lastLeft + 1))
      tRight = min(tMax, Double(lastRight + 1))
    }

    var h = 1.0
    var previous = sum
    var estimate = sum
    var error = Double.infinity
    for level in 1...maxLevels {
      h *= 0.5
      // New nodes: odd multiples of h.
      var t = h
      while t <= max(tLeft, tRight) {
        let (l, r) = try terms(t, left: t <= tLeft, right: t <= tRight)
        sum += l + r
        absSum += abs(l) + abs(r)
        t += 2 * h
      }
      estimate = h * sum
      error = abs(estimate - previous)
      previous = estimate
      let noise = 8 * Double.ulpOfOne * h * absSum
      if level >= 2 && error <= max(absoluteTolerance, relativeTolerance * abs(estimate), noise) {
        return QuadratureResult(value: estimate, errorEstimate: error, evaluations: evaluations, converged: true)
      }
    }
    return QuadratureResult(value: estimate, errorEstimate: error, evaluations: evaluations, converged: false)
  }
}
