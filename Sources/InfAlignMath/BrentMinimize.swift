/// One-dimensional minimization by Brent's method (golden-section search with parabolic interpolation).
public enum BrentMinimize {
  /// A local minimizer of `f` on `[lower, upper]` and its value, to `|x − x*| ≤ tolerance·|x| + absoluteTolerance`.
  /// If `f` is unimodal on the interval this is the global minimizer; a minimum at an end is found within the
  /// tolerance of that end.
  ///
  /// - Throws: ``MathError/noConvergence(method:iterations:estimate:tolerance:)`` at `maxIterations`;
  ///   ``MathError/invalidArgument(_:)`` when `f` returns NaN (naming `x`).
  public static func minimize(
    _ f: (Double) -> Double, in lower: Double, _ upper: Double,
    tolerance: Double = 1.5e-8, absoluteTolerance: Double = 1e-12, maxIterations: Int = 500
  ) throws(MathError) -> (x: Double, value: Double) {
    precondition(lower < upper, "minimization interval must have lower < upper, got [\(lower), \(upper)]")
    func eval(_ x: Double) throws(MathError) -> Double {
      let y = f(x)
      if y.isNaN { throw .invalidArgument("function returned NaN at x = \(x)") }
      return y
    }
    let golden = 0.3819660112501051  // (3 − √5)/2
    var a = lower, b = upper
    var x = a + golden * (b - a), w = x, v = x
    var fx = try eval(x), fw = fx, fv = fx
    var d = 0.0, e = 0.0
    for _ in 0..<maxIterations {
      let m = (a + b) / 2
      let tol1 = tolerance * abs(x) + absoluteTolerance / 3
      let tol2 = 2 * tol1
      if abs(x - m) <= tol2 - (b - a) / 2 { return (x, fx) }
      var useGolden = true
      if abs(e) > tol1 {
        // Parabola through (v, fv), (w, fw), (x, fx).
        let r = (x - w) * (fx - fv)
        var q = (x - v) * (fx - fw)
        var p = (x - v) * q - (x - w) * r
        q = 2 * (q - r)
        if q > 0 { p = -p } else { q = -q }
        if abs(p) < abs(q * e / 2) && p > q * (a - x) && p < q * (b - x) {
          e = d
          d = p / q
          let u = x + d
          if u - a < tol2 || b - u < tol2 { d = m > x ? tol1 : -tol1 }
          useGolden = false
        }
      }
      if useGolden {
        e = (x >= m ? a : b) - x
        d = golden * e
      }
      let u = abs(d) >= tol1 ? x + d : x + (d > 0 ? tol1 : -tol1)
      let fu = try eval(u)
      if fu <= fx {
        if u >= x { a = x } else { b = x }
        v = w; fv = fw
        w = x; fw = fx
        x = u; fx = fu
      } else {
        if u < x { a = u } else { b = u }
        if fu <= fw || w == x {
          v = w; fv = fw
          w = u; fw = fu
        } else if fu <= fv || v == x || v == w {
          v = u; fv = fu
        }
      }
    }
    throw .noConvergence(method: "Brent minimize", iterations: maxIterations, estimate: x, tolerance: tolerance)
  }

  /// Maximizes `f` (minimizes `−f`); returns the maximizer and the maximum.
  public static func maximize(
    _ f: (Double) -> Double, in lower: Double, _ upper: Double,
    tolerance: Double = 1.5e-8, absoluteTolerance: Double = 1e-12, maxIterations: Int = 500
  ) throws(MathError) -> (x: Double, value: Double) {
    let r = try minimize({ -f($0) }, in: lower, upper, tolerance: tolerance, absoluteTolerance: absoluteTolerance,
                         maxIterations: maxIterations)
    return (r.x, -r.value)
  }
}
