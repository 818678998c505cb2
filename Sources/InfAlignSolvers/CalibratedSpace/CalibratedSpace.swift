import RealModule

/// One analyzed point of calibrated space: a transform Φ, a KL weight β and an inference-time setting, with the
/// aligned policy's figures (MATH.md §3).
public struct CalibratedPoint: Sendable, CustomStringConvertible {
  public let transform: Transform
  /// The KL weight β; `+∞` only where it exceeds `Double` (an `exp:t` with `t` past ~709 at a moderate scaled
  /// weight: see ``scaledBeta`` and ``logBeta``).
  public let beta: Double
  /// `log β`, finite even where β itself is not a `Double`.
  public let logBeta: Double
  /// β in the transform's scaled form `β̃ = β·e^{−logScale}` (``Transform/logScale``): for `exp:t`, the weight of
  /// `e^{t(u−1)}`, which gives the same policy; for every other kind, β itself.
  public let scaledBeta: Double
  public let procedure: Procedure
  public let referenceProcedure: Procedure
  /// `log Z = log ∫₀¹ exp(Φ(v)/β) dv` (the analysis throws where it exceeds `Double`).
  public let logZ: Double
  /// `KL(π ‖ π_ref) = ∫ f log f = E_f[Φ]/β − log Z`.
  public let kl: Double
  /// Standard win rate `∫ u f(u) du`, in [0, 1].
  public let standardWinRate: Double
  /// Inference-time win rate `W_T = ∫ g_ref(u)·g'(F(u))·f(u) du`, in [0, 1].
  public let winRate: Double

  public var description: String {
    "\(transform) β=\(beta.isFinite ? "\(beta)" : "e^\(logBeta)")"
      + (transform.logScale != 0 ? " (scaled β=\(scaledBeta))" : "") + " \(procedure)\(referenceProcedure == procedure ? "" : " vs \(referenceProcedure)"): "
      + "KL=\(kl) standard=\(standardWinRate) win=\(winRate) logZ=\(logZ)"
  }
}

/// The calibrated-space analysis (MATH.md §3): for a transform Φ of the calibrated reward and a KL weight β, the
/// KL-RL optimum has calibrated density `f(u) = exp(Φ(u)/β)/Z`; this computes `log Z`, KL, the standard and the
/// inference-time win rates, solves β for a KL budget, and tunes parametric transforms.
///
/// Accuracy: relative error ≤ 1e-9 (typically ~1e-13) for β ∈ [1e-3, 1e3], N ∈ [1, 256], exp/negexp parameters in
/// [0, 50], including densities whose mass sits within 1e-26 of u = 1 (see `CalibratedQuadrature`); tested
/// against closed forms and 50-digit mpmath values (`scripts/golden_calibrated_space.py`).
public enum CalibratedSpace {
  /// The tabulated density `exp(Φ/β)/Z`.
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` for β not positive and finite, or a density
  ///   that cannot be normalized (e.g. `logit` without smoothing and β ≤ 1).
  static func density(transform: Transform, beta: Double) throws(InfAlignError) -> CalibratedQuadrature {
    try density(transform: transform, beta: beta, logBeta: checkedLogBeta(beta))
  }

  static func checkedLogBeta(_ beta: Double) throws(InfAlignError) -> Double {
    guard beta > 0 && beta.isFinite else {
      throw .invalidParameter(name: "beta", value: beta, reason: "the KL weight β must be positive and finite")
    }
    return Double.log(beta)
  }

  /// The density at `β = e^{logBeta}` (`beta`: β itself, as given, so a given β is used exactly), optionally
  /// resolving a win-rate integrand as well.
  static func density(
    transform: Transform, beta: Double, logBeta: Double, winRate: (policy: any CDFMap, reference: any CDFMap)? = nil
  ) throws(InfAlignError) -> CalibratedQuadrature {
    try checkNormalizable(transform, logBeta: logBeta)
    let tilt = transform.tilt(beta: beta, logBeta: logBeta)
    return try CalibratedQuadrature(
      lower: tilt.lower, upper: tilt.upper, slopeAtZero: tilt.slopeAtZero, slopeAtOne: tilt.slopeAtOne,
      breakpoints: tilt.breakpoints, singularAtZero: tilt.singularAtZero, singularAtOne: tilt.singularAtOne,
      winRate: winRate, endScale: 1 / Double(draws(winRate?.reference)))
  }

  /// The largest number of draws of a procedure (1 for standard sampling or none): `g` of N draws turns within
  /// about `1/N` of an end of [0, 1].
  static func draws(_ map: (any CDFMap)?) -> Int {
    guard let procedure = map as? Procedure else { return 1 }
    switch procedure.kind {
    case .standard: return 1
    case let .bestOf(n), let .worstOf(n), let .orderStatistic(_, n): return n
    case let .mixture(components): return components.map { draws($0.procedure) }.max() ?? 1
    }
  }

  /// `logit` without smoothing has `f ∝ uᵃ(1 − u)⁻ᵃ`, `a = 1/β`: a Beta(1 + a, 1 − a) density, normalizable for
  /// β > 1. Its mass within `s` of `u = 1` is about `s^{1−a}`; the quadrature reaches `s = 1e-300`, so β must leave
  /// less than 1e-15 of the mass below that: `(1 − a)·690.8 ≥ 34.5`, β ≥ 1.0526.
  static func checkNormalizable(_ transform: Transform, logBeta: Double) throws(InfAlignError) {
    guard case .logit(0) = transform.kind else { return }
    let beta = Double.exp(logBeta)
    if beta <= 1 {
      throw .invalidParameter(
        name: "beta", value: beta,
        reason: "logit without smoothing gives f ∝ (u/(1−u))^(1/β), not normalizable for β ≤ 1 (use β > 1 or logit:EPS)")
    }
    if (1 - 1 / beta) * 690.8 < 34.5 {
      throw .invalidParameter(
        name: "beta", value: beta,
        reason: "logit without smoothing at β this close to 1 puts more than 1e-15 of its mass within 1e-300 of "
          + "u = 1, below Double's resolution there (use β ≥ 1.0526 or logit:EPS)")
    }
  }

  /// Analyzes `(Φ, β, T, T')`. The reference procedure defaults to the policy's (InfAlign's setting).
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` for β not positive and finite, or a density
  ///   that cannot be normalized (e.g. `logit` without smoothing and β ≤ 1); the same error naming
  ///   `log Z` where `log Z` exceeds `Double` (then KL and win rates are still available at the same policy through
  ///   ``analyze(transform:kl:procedure:reference:)``, whose β gives a moderate `Φ(1)/β`).
  /// - Complexity: a few hundred to a few thousand transform evaluations; well under a millisecond.
  public static func analyze(
    transform: Transform, beta: Double, procedure: Procedure, reference: Procedure? = nil
  ) throws(InfAlignError) -> CalibratedPoint {
    try analyze(transform: transform, beta: beta, logBeta: checkedLogBeta(beta), procedure: procedure,
                reference: reference)
  }

  /// Analyzes `(Φ, β, T, T')` with β given in the transform's scaled form `β̃ = β·e^{−logScale}` (for `exp:t`, the
  /// weight of `e^{t(u−1)}`; see ``Transform/logScale``), so `exp:t` with any `t` is analyzed at a moderate `β̃`.
  public static func analyze(
    transform: Transform, scaledBeta: Double, procedure: Procedure, reference: Procedure? = nil
  ) throws(InfAlignError) -> CalibratedPoint {
    guard scaledBeta > 0 && scaledBeta.isFinite else {
      throw .invalidParameter(name: "scaled beta", value: scaledBeta, reason: "must be positive and finite")
    }
    let logBeta = Double.log(scaledBeta) + transform.logScale
    return try analyze(
      transform: transform, beta: Double.exp(logBeta), logBeta: logBeta, procedure: procedure, reference: reference)
  }

  /// Above this end slope of `h = Φ/β` the density's mass sits in a layer thinner than ~1e-293 at `u = 1`.
  static let boundaryLayerSlope = 1e293

  static func analyze(
    transform: Transform, beta: Double, logBeta: Double, procedure: Procedure, reference: Procedure?
  ) throws(InfAlignError) -> CalibratedPoint {
    let reference = reference ?? procedure
    try checkNormalizable(transform, logBeta: logBeta)
    let tilt = transform.tilt(beta: beta, logBeta: logBeta)
    func point(logZ: Double, kl: Double, standard: Double, win: Double) throws(InfAlignError) -> CalibratedPoint {
      guard logZ.isFinite else {
        throw .invalidParameter(
          name: "log Z", value: logZ,
          reason: "log Z = Φ(1)/β + … exceeds Double's range at \(transform) with β = e^\(logBeta) "
            + "(Φ(1)/β = \(tilt.reference)); analyze at a KL budget or a larger β instead")
      }
      return CalibratedPoint(
        transform: transform, beta: beta, logBeta: logBeta,
        scaledBeta: Double.exp(logBeta - transform.logScale), procedure: procedure, referenceProcedure: reference,
        logZ: logZ, kl: Swift.max(0, kl), standardWinRate: Swift.min(1, Swift.max(0, standard)),
        winRate: Swift.min(1, Swift.max(0, win)))
    }
    let layer = tilt.logSlopeAtOne
    if layer > Double.log(boundaryLayerSlope) && !tilt.singularAtOne {
      // All the mass sits in a layer about 1/λ wide at u = 1, λ = h'(1) (thinner than Double resolves there):
      // h(1 − s) − h(1) = −λs to relative O(h''/λ²) ≈ 1e-290, so f is the exponential density λe^{−λs} and
      // log Z = h(1) − log λ, KL = log λ − 1, and every win rate is g_ref(1)·(g(1) − g(0)) = 1. The closed form
      // is used only when the density has really fallen off a cliff just inside the layer.
      if tilt.upper(1e-250) < -1e4 && tilt.lower(0.5) <= tilt.upper(1e-250) {
        return try point(logZ: tilt.reference - layer, kl: layer - 1, standard: 1, win: 1)
      }
      throw .invalidParameter(
        name: "beta", value: beta,
        reason: "\(transform) at β = e^\(logBeta) has slope e^\(layer) at u = 1, a layer below Double's resolution")
    }
    let q = try density(transform: transform, beta: beta, logBeta: logBeta, winRate: (procedure, reference))
    return try point(
      logZ: q.logNormalizer + tilt.reference, kl: q.kl, standard: q.standardWinRate,
      win: q.winRate(policy: procedure, reference: reference))
  }

  /// The range of β searched by ``beta(forKL:transform:)``, relative to the transform's spread `|Φ(1) − Φ(0)|`
  /// (the scale of `Φ` and of `β` trade off, MATH.md §4): `β ∈ spread · [e^{-60}, e^{60}]`. For `exp:t` the
  /// spread is taken in the scaled form `e^{t(u−1)}` and the range is multiplied by `e^t` (it may exceed
  /// `Double`; ``logBeta(forKL:transform:)`` searches it in log form).
  public static func betaRange(for transform: Transform) -> ClosedRange<Double> {
    let r = logBetaRange(for: transform)
    return Double.exp(r.lowerBound)...Double.exp(r.upperBound)
  }

  /// ``betaRange(for:)`` in `log β`.
  public static func logBetaRange(for transform: Transform) -> ClosedRange<Double> {
    let logScale = transform.logScale
    if logScale > 700 {
      // Spread of e^{t(u−1)}: 1 − e^{−t} = 1 in Double.
      return (logScale - 60)...(logScale + 60)
    }
    let spread = abs(transform.value(1) - transform.value(0))
    let scale = spread.isFinite && spread > 0 ? spread : 1
    return Double.log(scale * Double.exp(-60))...Double.log(scale * Double.exp(60))
  }

  /// The β at which the KL of `exp(Φ/β)/Z` equals `kl` (KL decreases in β), to 1e-10 relative in KL.
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` when `kl` is not positive and finite;
  ///   ``InfAlignError/klBudgetOutOfReach(budget:lowest:highest:context:)`` when it lies outside the KL range
  ///   reachable with β in ``betaRange(for:)``; ``InfAlignError/math(_:)`` (no convergence) when the budget is in
  ///   that range but not met; ``InfAlignError/invalidParameter(name:value:reason:)`` naming β when β exceeds
  ///   `Double` (an `exp:t` with large `t`: use ``logBeta(forKL:transform:)``).
  public static func beta(forKL kl: Double, transform: Transform) throws(InfAlignError) -> Double {
    let logBeta = try logBeta(forKL: kl, transform: transform)
    let beta = Double.exp(logBeta)
    guard beta.isFinite && beta > 0 else {
      throw .invalidParameter(
        name: "beta", value: beta, reason: "β = e^\(logBeta) for \(transform) is outside Double's range")
    }
    return beta
  }

  /// `log β` at which the KL equals `kl`; as ``beta(forKL:transform:)``, valid for every `t` of `exp:t`.
  public static func logBeta(forKL kl: Double, transform: Transform) throws(InfAlignError) -> Double {
    try KLBudget.validate(kl)
    let range = logBetaRange(for: transform)
    let centre = range.lowerBound + 60
    let solver = KLBudget(
      budget: kl, start: (centre - 1, centre + 1), domain: range, tolerance: 1e-13, acceptance: 1e-8 * kl,
      context: "transform \(transform)")
    return try solver.solve { (logBeta: Double) throws(InfAlignError) -> Double in
      try density(transform: transform, beta: Double.exp(logBeta), logBeta: logBeta).kl
    }
  }

  /// Analyzes the point whose β meets the KL budget `kl`.
  public static func analyze(
    transform: Transform, kl: Double, procedure: Procedure, reference: Procedure? = nil
  ) throws(InfAlignError) -> CalibratedPoint {
    let logBeta = try logBeta(forKL: kl, transform: transform)
    return try analyze(
      transform: transform, beta: Double.exp(logBeta), logBeta: logBeta, procedure: procedure, reference: reference)
  }
}
