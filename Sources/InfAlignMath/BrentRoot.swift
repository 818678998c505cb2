/// Bracketed root finding by Brent's method (inverse quadratic interpolation, secant and bisection), with
/// automatic bracket expansion.
public enum BrentRoot {
  /// How to grow an initial interval until `f` changes sign.
  public enum Expansion: Sendable, Hashable {
    /// Use the interval as given; no sign change is an error.
    case none
    /// Widen both ends by `factor × width` per step (any real domain).
    case additive(factor: Double = 1.6, maxSteps: Int = 60)
    /// For positive parameters (β, a temperature): divide the lower end and multiply the upper end by `factor`
    /// per step, staying in (0, ∞).
    case multiplicative(factor: Double = 4, maxSteps: Int = 60)
  }

  /// A root of `f` in `[lower, upper]` (after expansion), to `|x − x*| ≤ absoluteTolerance +
  /// relativeTolerance·|x|`, or where `f(x) == 0` exactly.
  ///
  /// - Throws: ``MathError/noBracket(lower:upper:fLower:fUpper:)`` when no sign change was found;
  ///   ``MathError/noConvergence(method:iterations:estimate:tolerance:)`` at `maxIterations`;
  ///   ``MathError/invalidArgument(_:)`` when `f` returns NaN (naming `x`).
  /// - Complexity: superlinear convergence; at most ~`log2(width / tolerance)` steps when it degrades to bisection.
  public static func solve(
    _ f: (Double) -> Double, in lower: Double, _ upper: Double, expansion: Expansion = .none,
    absoluteTolerance: Double = 1e-14, relativeTolerance: Double = 4 * .ulpOfOne, maxIterations: Int = 200
  ) throws(MathError) -> Double {
    precondition(lower < upper, "root bracket must have lower < upper, got [\(lower), \(upper)]")
    func eval(_ x: Double) throws(MathError) -> Double {
      let y = f(x)
      if y.isNaN { throw .invalidArgument("function returned NaN at x = \(x)") }
      return y
    }
    var a = lower, b = upper
    var fa = try eval(a), fb = try eval(b)
    switch expansion {
    case .none:
      break
    case let .additive(factor, maxSteps):
      var step = 0
      while fa.sign == fb.sign && fa != 0 && fb != 0 && step < maxSteps {
        let width = b - a
        if abs(fa) < abs(fb) { a -= factor * width; fa = try eval(a) } else { b += factor * width; fb = try eval(b) }
        step += 1
      }
    case let .multiplicative(factor, maxSteps):
      precondition(a > 0, "multiplicative expansion needs a positive interval, got [\(a), \(b)]")
      var step = 0
      while fa.sign == fb.sign && fa != 0 && fb != 0 && step < maxSteps {
        if abs(fa) < abs(fb) { a /= factor; fa = try eval(a) } else { b *= factor; fb = try eval(b) }
        step += 1
      }
    }
    if fa == 0 { return a }
    if fb == 0 { return b }
    if fa.sign == fb.sign { throw .noBracket(lower: a, upper: b, fLower: fa, fUpper: fb) }

    // Brent (1973), as in Numerical Recipes' zbrent.
    var c = b, fc = fb, d = b - a, e = d
    for _ in 0..<maxIterations {
      if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) {
        c = a; fc = fa; d = b - a; e = d
      }
      if abs(fc) < abs(fb) {
        a = b; b = c; c = a
        fa = fb; fb = fc; fc = fa
      }
      let tol = 2 * relativeTolerance * abs(b) + absoluteTolerance / 2
      let m = (c - b) / 2
      if abs(m) <= tol || fb == 0 { return b }
      if abs(e) >= tol && abs(fa) > abs(fb) {
        let s = fb / fa
        var p: Double, q: Double
        if a == c {
          p = 2 * m * s
          q = 1 - s
        } else {
          let qq = fa / fc, r = fb / fc
          p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1))
          q = (qq - 1) * (r - 1) * (s - 1)
        }
        if p > 0 { q = -q } else { p = -p }
        if 2 * p < min(3 * m * q - abs(tol * q), abs(e * q)) {
          e = d; d = p / q
        } else {
          d = m; e = d
        }
      } else {
        d = m; e = d
      }
      a = b; fa = fb
      b += abs(d) > tol ? d : (m > 0 ? tol : -tol)
      fb = try eval(b)
    }
    throw .noConvergence(method: "Brent root", iterations: maxIterations, estimate: b, tolerance: absoluteTolerance)
  }
}
