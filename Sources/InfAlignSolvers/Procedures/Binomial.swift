import RealModule

/// Binomial probabilities to near full relative precision, for the order-statistic CDF map
/// `g(F) = P(Bin(N, F) ≥ k)` and its derivative `N·P(Bin(N−1, F) = k−1)`.
///
/// The probability mass uses Loader's saddle-point form (C. Loader, "Fast and accurate computation of binomial
/// probabilities", 2000; the algorithm of R's `dbinom`): `log P(X = x) = δ(n) − δ(x) − δ(n−x) − D(x, np) − D(n−x, nq)
/// − ½·log(2πx(n−x)/n)`, with `δ` the Stirling-series remainder of `log n!` and `D` the deviance
/// `x·log(x/μ) + μ − x` computed without cancellation. Its error does not grow with `n`: near the mode it is a few
/// ulps; in the tails it is of the order of `|x − np|·ε`, the problem's own sensitivity to a rounding of `p`.
enum Binomial {
  /// `δ(n) = log n! − ((n + ½)·log n − n + log √(2π))` for n = 0...30 (entry 0 unused), from mpmath at 40 digits:
  /// `loggamma(n+1) - ((n+0.5)*log(n) - n + log(sqrt(2*pi)))`.
  static let stirlingTable: [Double] = [
    0,
    0.08106146679532726, 0.0413406959554093, 0.02767792568499834, 0.020790672103765093, 0.016644691189821193,
    0.013876128823070748, 0.01189670994589177, 0.010411265261972096, 0.009255462182712733, 0.00833056343336287,
    0.007573675487951841, 0.00694284010720953, 0.006408994188004207, 0.0059513701127588475, 0.005554733551962801,
    0.0052076559196096404, 0.004901395948434738, 0.004629153749334028, 0.004385560249232324, 0.004166319691996922,
    0.00396795421864086, 0.0037876180684444346, 0.0036229602246830948, 0.003472021382978767, 0.003333155636728093,
    0.003204970228055038, 0.0030862786826087773, 0.002976063983550409, 0.0028734493623524663, 0.0027776749297526936,
  ]

  /// `δ(n)` for an integer `n ≥ 1`: the table up to 30, then the Stirling series `1/(12n) − 1/(360n³) + 1/(1260n⁵)
  /// − 1/(1680n⁷)` (truncation error below `1e-19` for `n > 30`).
  static func stirlingError(_ n: Int) -> Double {
    if n <= 30 { return stirlingTable[n] }
    let x = Double(n), x2 = x * x
    let s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680
    if n > 500 { return (s0 - s1 / x2) / x }
    if n > 80 { return (s0 - (s1 - s2 / x2) / x2) / x }
    return (s0 - (s1 - (s2 - s3 / x2) / x2) / x2) / x
  }

  /// The deviance `D(x, μ) = x·log(x/μ) + μ − x ≥ 0` for `x > 0`, `μ ≥ 0`.
  ///
  /// For `|v| < ½`, `v = (x − μ)/(x + μ)` (that is `⅓ < x/μ < 3`), the series
  /// `D = (x − μ)·v + 2x·Σⱼ v²ʲ⁺¹/(2j + 1)`, whose tail is at most a third of its first term (so no cancellation;
  /// at most about 28 terms). Beyond, the direct formula cancels by a factor below 3.
  static func deviance(_ x: Double, _ mu: Double) -> Double {
    if abs(x - mu) < 0.5 * (x + mu) {
      var v = (x - mu) / (x + mu)
      var s = (x - mu) * v
      if abs(s) < .leastNormalMagnitude { return s }
      var ej = 2 * x * v
      v *= v
      var j = 1
      while j < 1000 {
        ej *= v
        let next = s + ej / Double(2 * j + 1)
        if next == s { return next }
        s = next
        j += 1
      }
      return s
    }
    return x * Double.log(x / mu) + mu - x
  }

  /// `log P(Bin(n, p) = x)` for `0 ≤ x ≤ n`, `p ∈ [0, 1]`; `−∞` where the probability is 0.
  static func logPMF(_ x: Int, _ n: Int, _ p: Double) -> Double {
    if p == 0 { return x == 0 ? 0 : -.infinity }
    if p == 1 { return x == n ? 0 : -.infinity }
    if x == 0 { return Double(n) * Double.log(onePlus: -p) }
    if x == n { return Double(n) * Double.log(p) }
    let q = 1 - p
    let xd = Double(x), nd = Double(n), rest = Double(n - x)
    let lc = stirlingError(n) - stirlingError(x) - stirlingError(n - x) - deviance(xd, nd * p) - deviance(rest, nd * q)
    // log((n − x)/n) rather than log1p(−x/n): the quotient of exact integers is correctly rounded even when x ≈ n.
    let lf = Double.log(2 * Double.pi) + Double.log(xd) + Double.log(rest / nd)
    return lc - 0.5 * lf
  }

  /// `P(Bin(n, p) = x)` for `0 ≤ x ≤ n`, `p ∈ [0, 1]`.
  ///
  /// `exp(logPMF)` has a relative error of about `|log P|·ε`, which in a far tail (say `p = 1e-300`, where the
  /// problem itself is well conditioned) is hundreds of ulps. So the end points `x = 0` and `x = n` use `pow` where
  /// its argument is exact, and far tails with at most ``directLimit`` successes on the rare side (`np < x/8`, or
  /// `nq < (n−x)/8`) use the product `C(n, x)·pˣ·qⁿ⁻ˣ` with `pow` (a few ulps times `√x`); Loader's form elsewhere.
  static func pmf(_ x: Int, _ n: Int, _ p: Double) -> Double {
    if p == 0 { return x == 0 ? 1 : 0 }
    if p == 1 { return x == n ? 1 : 0 }
    if x == n { return Double.pow(p, n) }
    let m = n - x
    let q = 1 - p
    if x == 0 { return p >= 0.5 ? Double.pow(q, n) : Double.exp(Double(n) * Double.log(onePlus: -p)) }
    let nd = Double(n)
    if x <= directLimit && 8 * nd * p < Double(x) {
      // Lower tail: p < 1/8, so qᵐ = exp(m·log1p(−p)) has a small argument (|m·p| < x/8).
      let px = Double.pow(p, x)
      if px >= .leastNormalMagnitude {
        return binomialCoefficient(n, x) * px * Double.exp(Double(m) * Double.log(onePlus: -p))
      }
    } else if m <= directLimit && 8 * nd * q < Double(m) {
      // Upper tail: q < 1/8, so p > 1/2 and q = 1 − p is exact.
      let qm = Double.pow(q, m)
      if qm >= .leastNormalMagnitude { return binomialCoefficient(n, m) * qm * Double.pow(p, x) }
    }
    return Double.exp(logPMF(x, n, p))
  }

  /// The largest count on the rare side for which ``pmf(_:_:_:)`` uses the direct product: 30.
  static let directLimit = 30

  /// `C(n, x)` for `0 ≤ x ≤` ``directLimit``, as the product `∏ (n − x + i)/i` (at most `2x` roundings; no
  /// overflow since `C(10⁶, 30) < 10¹⁴⁹`).
  static func binomialCoefficient(_ n: Int, _ x: Int) -> Double {
    var c = 1.0
    var i = 1
    while i <= x {
      c = c * Double(n - x + i) / Double(i)
      i += 1
    }
    return c
  }

  /// `P(Bin(n, p) ≥ k)` for `1 ≤ k ≤ n`, `p ∈ [0, 1]`: the regularized incomplete beta `I_p(k, n − k + 1)`.
  ///
  /// Sums the tail that does not contain the mode `⌊(n+1)p⌋`, a sum of positive terms that decrease away from its
  /// first term: `P(X ≥ k)` directly when `k` is above the mode, else `1 − P(X ≤ k − 1)` (then the result is at
  /// least about ⅓, so the subtraction loses nothing, and a far lower tail gives exactly 1 instead of accumulating
  /// rounding). The first term comes from ``pmf(_:_:_:)``; the others from the exact ratios `(n−j)/(j+1)·p/q`, and the
  /// sum stops when a geometric bound on the rest falls below `2⁻⁵⁴` of it. Relative error: a few ulps plus the
  /// first term's (see ``pmf(_:_:_:)``) plus about `√d·ε` from `d` recurrence steps, `d ≲ 9·√(np(1−p))`.
  /// - Complexity: O(√(np(1−p))) terms, O(1) when `k` is far in a tail.
  static func upperTail(_ k: Int, _ n: Int, _ p: Double) -> Double {
    if p <= 0 { return 0 }
    if p >= 1 { return 1 }
    let mode = Swift.min(Int((Double(n) + 1) * p), n)
    let odds = p / (1 - p)
    let cutoff = 0x1p-54
    if k > mode {
      // Upper tail from its largest term k, upwards.
      var term = pmf(k, n, p)
      var sum = term
      var j = k
      while j < n && term > 0 {
        let ratio = Double(n - j) / Double(j + 1) * odds
        term *= ratio
        j += 1
        sum += term
        if ratio < 1 && term * ratio <= sum * (1 - ratio) * cutoff { break }
      }
      return Swift.min(sum, 1)
    }
    // Lower tail P(X ≤ k − 1) from its largest term k − 1, downwards.
    var term = pmf(k - 1, n, p)
    var sum = term
    var j = k - 1
    while j > 0 && term > 0 {
      let ratio = Double(j) / (Double(n - j + 1) * odds)
      term *= ratio
      j -= 1
      sum += term
      if ratio < 1 && term * ratio <= sum * (1 - ratio) * cutoff { break }
    }
    return Swift.max(1 - sum, 0)
  }
}
