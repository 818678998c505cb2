import RealModule

// The curvature of the CDF map, for the optimal-transform Newton solver (its Jacobian is `g''(F)·δF`).
extension Procedure {
  /// `g''(F)`, given `F` and `1 − F` (each accurate on its side, as in ``derivative(cdf:survival:)``):
  /// - standard: 0; best-of-N: `N(N−1)·F^{N−2}`; worst-of-N: `−N(N−1)·(1−F)^{N−2}`;
  /// - order statistic `k` of `N` (`g' = N·pmf(k−1; N−1, F)`): `N(N−1)·(pmf(k−2; N−2, F) − pmf(k−1; N−2, F))`,
  ///   a pmf outside `0…N−2` being 0 (`d/dp pmf(j; m, p) = m·(pmf(j−1; m−1, p) − pmf(j; m−1, p))`);
  /// - mixture: the weighted mean of its components'.
  /// Zero for `N = 1` (the map is the identity).
  package func secondDerivative(cdf F: Double, survival S: Double) -> Double {
    switch kind {
    case .standard:
      return 0
    case let .bestOf(n):
      if n <= 1 { return 0 }
      let scale = Double(n) * Double(n - 1)
      if n <= Self.powerLimit || F < 0.5 { return scale * Self.power(F, n - 2) }
      return scale * Double.exp(Double(n - 2) * Double.log(onePlus: -S))
    case let .worstOf(n):
      if n <= 1 { return 0 }
      let scale = -Double(n) * Double(n - 1)
      if n <= Self.powerLimit || S <= 0.5 { return scale * Self.power(S, n - 2) }
      return scale * Double.exp(Double(n - 2) * Double.log(onePlus: -F))
    case let .orderStatistic(k, n):
      if n <= 1 { return 0 }
      let m = n - 2
      /// `pmf(j; m, F)`, 0 outside `0…m`, from the side where the probability argument is at most ½.
      func pmf(_ j: Int) -> Double {
        if j < 0 || j > m { return 0 }
        return F <= 0.5 ? Binomial.pmf(j, m, F) : Binomial.pmf(m - j, m, S)
      }
      return Double(n) * Double(n - 1) * (pmf(k - 2) - pmf(k - 1))
    case let .mixture(components):
      return Self.mixtureMean(components) { $0.secondDerivative(cdf: F, survival: S) }
    }
  }

  /// ``secondDerivative(cdf:survival:)`` at eight points: best-of-N and worst-of-N up to N = 64 as one vector
  /// power, other kinds lane by lane.
  package func secondDerivatives(cdf F: SIMD8<Double>, survival S: SIMD8<Double>) -> SIMD8<Double> {
    switch kind {
    case let .bestOf(n) where n >= 2 && n <= Self.powerLimit:
      return Double(n) * Double(n - 1) * Self.power(F, n - 2)
    case let .worstOf(n) where n >= 2 && n <= Self.powerLimit:
      return -Double(n) * Double(n - 1) * Self.power(S, n - 2)
    default:
      var out = SIMD8<Double>()
      for q in 0..<8 { out[q] = secondDerivative(cdf: F[q], survival: S[q]) }
      return out
    }
  }
}
