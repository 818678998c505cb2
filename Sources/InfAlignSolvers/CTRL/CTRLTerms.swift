import RealModule

/// The per-token terms of a CTRL step, in `Double`: KL estimators with their gradients, and the PPO surrogate
/// with its clip conventions. Gradients follow PyTorch's rules for the peers' expressions (a clamp passes the
/// gradient on its closed interval; `min`/`max` of two equal values split it evenly), so they equal what the
/// peers' autograd computes.
enum CTRLTerms {
  /// `e^{−ρ} − 1 + ρ` for `ρ` already clamped. For `|ρ| < ¼` the difference cancels, so the series
  /// `ρ²·Σ_{n≥0} (−ρ)^n/(n+2)!` (12 terms, truncation below 1e-18 relative) is used: exact to a few ulp for every
  /// `ρ`, including tiny ones where `expm1(−ρ) + ρ` keeps only ~7 digits (5e-19 at ρ = 1e-9).
  @inline(__always)
  static func k3(_ rho: Double) -> Double {
    if Swift.abs(rho) >= 0.25 { return Double.exp(-rho) - 1 + rho }
    let p = ExpSeries.horner(-rho, terms: 2...13)  // Σ_{k=2}^{13} (−ρ)^(k−2)/k!
    return rho * rho * p
  }

  /// `ρ` clamped into `[−c, c]` and the clamp's derivative (1 inside the closed interval, else 0).
  @inline(__always)
  static func clamp(_ x: Double, _ c: Double?) -> (value: Double, slope: Double) {
    guard let c else { return (x, 1) }
    if x > c { return (c, 0) }
    if x < -c { return (-c, 0) }
    return (x, 1)
  }

  /// The estimate of a KL term at `ρ = log π − log π_ref` and its derivative with respect to `log π`.
  /// k3's exponent is clamped by `logClamp` (verl clamps `ref − logp` into ±20); the estimate by `term.clamp`.
  @inline(__always)
  static func kl(_ rho: Double, _ term: CTRLOptions.KLTerm, logClamp: Double?) -> (value: Double, slope: Double) {
    var value: Double, slope: Double
    switch term.estimator {
    case .k1: (value, slope) = (rho, 1)
    case .abs: (value, slope) = (Swift.abs(rho), rho > 0 ? 1 : (rho < 0 ? -1 : 0))
    case .k2: (value, slope) = (rho * rho / 2, rho)
    case .k3:
      let (r, inside) = clamp(rho, logClamp)
      value = k3(r)
      slope = inside * (r - value)  // d/dρ (e^{−ρ} − 1 + ρ) = 1 − e^{−ρ} = ρ − k3, accurate for small ρ too
    }
    if let c = term.clamp {
      if value > c {
        (value, slope) = (c, 0)
      } else if value < -c {
        (value, slope) = (-c, 0)
      }
    }
    if term.straightThrough { slope = rho }
    return (value, slope)
  }

  /// The PPO surrogate's clip conventions.
  struct PPO {
    var low: Double, high: Double, dual: Double?, cap: Double?, logClamp: Double?
    var onPolicy: Bool
    /// CISPO's loss in place of the clipped surrogate (``CTRLOptions/PolicyLoss/cispo``).
    var cispo: Bool
    /// The log-ratio clamp applies from above only (verl's GSPO token ratio).
    var clampAboveOnly: Bool

    init(_ o: CTRLOptions, onPolicy: Bool) {
      (low, high, dual, cap, logClamp) = (1 - o.clipLow, 1 + o.clipHigh, o.dualClip, o.ratioCap, o.logRatioClamp)
      self.onPolicy = onPolicy
      cispo = o.policyLoss == .cispo
      clampAboveOnly = o.ratioLevel == .sequenceMeanToken
    }

    /// The clamped log-ratio and the clamp's derivative.
    @inline(__always)
    func clampLogRatio(_ lr: Double) -> (value: Double, slope: Double) {
      guard clampAboveOnly else { return CTRLTerms.clamp(lr, logClamp) }
      if let c = logClamp, lr > c { return (c, 0) }
      return (lr, 1)
    }

    /// CISPO's loss `−sg[clip(r)]·A·log π` at log-ratio `lr`, advantage `a` and `log π`, its derivative with
    /// respect to `log π` (`−clip(r)·A`: the weight is stopped), and whether the ratio was clipped (verl:
    /// `ratio != clipped_ratio`).
    @inline(__always)
    func cispoTerm(logRatio lr: Double, advantage a: Double, logProb: Double)
      -> (loss: Double, slope: Double, clipped: Bool)
    {
      let r = onPolicy ? 1 : Double.exp(clampLogRatio(lr).value)
      let w = r < low ? low : (r > high ? high : r)
      return (-w * a * logProb, -w * a, w != r)
    }

    /// The loss `ℓ = −objective` at log-ratio `lr` and advantage `a`, its derivative `∂ℓ/∂lr`, and whether the
    /// clipped term was strictly the smaller (verl's `pg_clipfrac`).
    /// objective = `min(r₁·A, clip(r, 1−ε_low, 1+ε_high)·A)` with `r₁ = min(r, δ)`, raised to `c·A` when `A < 0`
    /// under the dual clip; `r = exp(clamp(lr))`, exactly 1 on-policy.
    @inline(__always)
    func term(logRatio lr: Double, advantage a: Double) -> (loss: Double, slope: Double, clipped: Bool) {
      let (l, dl) = onPolicy ? (0, 1) : clampLogRatio(lr)
      let r = onPolicy ? 1 : Double.exp(l)
      let r2 = r < low ? low : (r > high ? high : r)
      let d2: Double = r >= low && r <= high ? 1 : 0
      var r1 = r, d1 = 1.0
      if let cap, r > cap { (r1, d1) = (cap, 0) }
      let s1 = r1 * a, s2 = r2 * a
      let g1 = d1 * a * r, g2 = d2 * a * r
      var m: Double, g: Double, clipped = false
      if s1 < s2 {
        (m, g) = (s1, g1)
      } else if s2 < s1 {
        (m, g, clipped) = (s2, g2, true)
      } else {
        (m, g) = (s1, (g1 + g2) / 2)
      }
      if let c = dual, a < 0 {
        let s3 = c * a
        if s3 > m {
          (m, g) = (s3, 0)
        } else if s3 == m {
          g /= 2
        }
      }
      return (-m, -g * dl, clipped)
    }
  }
}
