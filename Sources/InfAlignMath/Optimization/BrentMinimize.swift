/// Brent's one-dimensional minimizer (localmin): golden-section search accelerated by parabolic interpolation.
///
/// On `[a, b]` it keeps the three best points so far, tries a parabola through them, and falls back to a golden
/// section step when the parabola's minimum is outside the interval or the step would not shrink fast enough. For a
/// unimodal `f` it converges to the minimizer; for others to a local minimum. A smooth minimum can only be located
/// to about `√ε` relative accuracy in `x` (the value itself is then accurate to about `ε`), hence the default
/// relative tolerance `√ε`.
///
/// The endpoints are compared at the end, so a minimum at `a` or `b` (which the interior iteration only
/// approaches) is returned exactly.
@usableFromInline package enum BrentMinimize {
  /// A minimizer of `f` on `[lower, upper]` and the value there.
  ///
  /// - Parameters:
  ///   - tolerance: absolute tolerance in `x`. The search stops when the minimizer is known to within
  ///     `2·(relativeTolerance·|x| + tolerance/3)`. Finite and non-negative.
  ///   - relativeTolerance: relative tolerance in `x`, default `√ε`; values below `√ε` cannot be met reliably.
  ///   - maxIterations: the cap on evaluations of `f` in the interior.
  /// - Returns: the best of the converged interior point and the two endpoints (ties favour the interior point).
  /// - Throws: `MathError.noConvergence` at the iteration cap (its `estimate` is the best point so far);
  ///   `MathError.invalidArgument` for non-finite ends or tolerances, or a NaN from `f` (the message names `x`).
  ///   `+∞` values are allowed (they lose every comparison).
  /// - Complexity: at most `maxIterations + 3` evaluations of `f`.
  package static func minimize<T: BLASScalar>(
    _ f: (T) -> T, in lower: T, _ upper: T, tolerance: T = .ulpOfOne, relativeTolerance: T = .ulpOfOne.squareRoot(),
    maxIterations: Int = 200
  ) throws(MathError) -> (x: T, value: T) {
    guard lower.isFinite && upper.isFinite else {
      throw .invalidArgument("BrentMinimize: the interval [\(lower), \(upper)] must be finite")
    }
    guard tolerance.isFinite && tolerance >= 0 && relativeTolerance.isFinite && relativeTolerance >= 0 else {
      throw .invalidArgument(
        "BrentMinimize: tolerances must be finite and non-negative (absolute \(tolerance), relative "
          + "\(relativeTolerance))")
    }
    var a = min(lower, upper)
    var b = max(lower, upper)
    if a == b { return try (a, evaluate(f, at: a)) }
    let golden = (3 - T(5).squareRoot()) / 2
    // x: best point so far; w: second best; v: the previous w.
    var x = a + golden * (b - a)
    var fx = try evaluate(f, at: x)
    var (w, fw) = (x, fx)
    var (v, fv) = (x, fx)
    var d: T = 0
    var e: T = 0
    var converged = false
    for _ in 0..<max(0, maxIterations) {
      let middle = (a + b) / 2
      let tol = max(relativeTolerance * abs(x) + tolerance / 3, .leastNonzeroMagnitude)
      let tol2 = 2 * tol
      if abs(x - middle) <= tol2 - (b - a) / 2 {
        converged = true
        break
      }
      var p: T = 0
      var q: T = 0
      var r: T = 0
      if abs(e) > tol {
        // Parabola through (v, fv), (w, fw), (x, fx).
        r = (x - w) * (fx - fv)
        q = (x - v) * (fx - fw)
        p = (x - v) * q - (x - w) * r
        q = 2 * (q - r)
        if q > 0 { p = -p } else { q = -q }
        r = e
        e = d
      }
      if abs(p) < abs(q * r / 2) && p > q * (a - x) && p < q * (b - x) {
        d = p / q
        let u = x + d
        // Never evaluate too close to the ends.
        if u - a < tol2 || b - u < tol2 { d = x < middle ? tol : -tol }
      } else {
        e = (x < middle ? b : a) - x
        d = golden * e
      }
      let u = x + (abs(d) >= tol ? d : (d > 0 ? tol : -tol))
      let fu = try evaluate(f, at: u)
      if fu <= fx {
        if u < x { b = x } else { a = x }
        (v, fv) = (w, fw)
        (w, fw) = (x, fx)
        (x, fx) = (u, fu)
      } else {
        if u < x { a = u } else { b = u }
        if fu <= fw || w == x {
          (v, fv) = (w, fw)
          (w, fw) = (u, fu)
        } else if fu <= fv || v == x || v == w {
          (v, fv) = (u, fu)
        }
      }
    }
    if !converged {
      throw .noConvergence(
        method: "BrentMinimize", iterations: maxIterations, estimate: Double(x),
        tolerance: Double(2 * (relativeTolerance * abs(x) + tolerance / 3)))
    }
    let lo = min(lower, upper)
    let hi = max(lower, upper)
    let fLo = try evaluate(f, at: lo)
    let fHi = try evaluate(f, at: hi)
    var best = (x: x, value: fx)
    if fLo < best.value { best = (lo, fLo) }
    if fHi < best.value { best = (hi, fHi) }
    return best
  }

  /// A bracket `lower < middle < upper` with `f(middle) ≤ f(lower)` and `f(middle) ≤ f(upper)`, found by walking
  /// downhill from `a` and `b` with golden-ratio steps; pass `lower` and `upper` to
  /// ``minimize(_:in:_:tolerance:relativeTolerance:maxIterations:)``.
  ///
  /// Starts with the two points, swaps them so that `f(b) ≤ f(a)`, and steps `c = b + φ(b − a)` (`φ ≈ 1.618`)
  /// downhill until `f` goes up. Use it for a parameter without natural bounds; for a positive scale parameter
  /// bracket `log x` instead.
  ///
  /// - Throws: `MathError.noConvergence` when `f` is still decreasing after `maxExpansions` steps (or the steps
  ///   leave the finite numbers): `f` may have no minimum; `invalidArgument` for equal or non-finite starting
  ///   points or a NaN from `f`.
  /// - Complexity: at most `maxExpansions + 3` evaluations of `f`.
  package static func bracket<T: BLASScalar>(
    _ f: (T) -> T, from a: T, _ b: T, maxExpansions: Int = 60
  ) throws(MathError) -> (lower: T, middle: T, upper: T) {
    guard a.isFinite && b.isFinite && a != b else {
      throw .invalidArgument("BrentMinimize.bracket: starting points \(a), \(b) must be finite and distinct")
    }
    let phi = (1 + T(5).squareRoot()) / 2
    var (x0, f0) = try (a, evaluate(f, at: a))
    var (x1, f1) = try (b, evaluate(f, at: b))
    if f1 > f0 { swap(&x0, &x1); swap(&f0, &f1) }
    var x2 = x1 + phi * (x1 - x0)
    var f2 = try evaluate(f, at: x2)
    var expansions = 0
    while f2 < f1 {
      guard expansions < maxExpansions else {
        throw .noConvergence(
          method: "BrentMinimize.bracket", iterations: maxExpansions, estimate: Double(x2), tolerance: 0)
      }
      expansions += 1
      (x0, f0) = (x1, f1)
      (x1, f1) = (x2, f2)
      x2 = x1 + phi * (x1 - x0)
      guard x2.isFinite else {
        throw .noConvergence(
          method: "BrentMinimize.bracket", iterations: expansions, estimate: Double(x1), tolerance: 0)
      }
      f2 = try evaluate(f, at: x2)
    }
    return (min(x0, x2), x1, max(x0, x2))
  }

  private static func evaluate<T: BLASScalar>(_ f: (T) -> T, at x: T) throws(MathError) -> T {
    let y = f(x)
    if y.isNaN { throw .invalidArgument("BrentMinimize: f(x) is NaN at x = \(x)") }
    return y
  }
}
