import RealModule

/// One analyzed point of calibrated space: a transform Φ, a KL weight β and an inference-time setting, with the
/// aligned policy's figures (MATH.md §3).
public struct CalibratedPoint: Sendable, CustomStringConvertible {
  public let transform: Transform
  public let beta: Double
  public let procedure: Procedure
  public let referenceProcedure: Procedure
  /// `log Z = log ∫₀¹ exp(Φ(v)/β) dv`.
  public let logZ: Double
  /// `KL(π ‖ π_ref) = ∫ f log f = E_f[Φ]/β − log Z`.
  public let kl: Double
  /// Standard win rate `∫ u f(u) du`.
  public let standardWinRate: Double
  /// Inference-time win rate `W_T = ∫ g_ref(u)·g'(F(u))·f(u) du`.
  public let winRate: Double

  public var description: String {
    "\(transform) β=\(beta) \(procedure)\(referenceProcedure == procedure ? "" : " vs \(referenceProcedure)"): "
      + "KL=\(kl) standard=\(standardWinRate) win=\(winRate) logZ=\(logZ)"
  }
}

/// The calibrated-space analysis (MATH.md §3): for a transform Φ of the calibrated reward and a KL weight β, the
/// KL-RL optimum has calibrated density `f(u) = exp(Φ(u)/β)/Z`; this computes `log Z`, KL, the standard and the
/// inference-time win rates, solves β for a KL budget, and tunes parametric transforms.
///
/// Accuracy: relative error ≤ 1e-9 (typically ~1e-13) for β ∈ [1e-3, 1e3], N ∈ [1, 256], exp/negexp parameters in
/// [0, 50], including densities whose mass sits within 1e-26 of u = 1 (see ``CalibratedQuadrature``); tested
/// against closed forms and 50-digit mpmath values (`scripts/golden_calibrated_space.py`).
public enum CalibratedSpace {
  /// The tabulated density `exp(Φ/β)/Z`.
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` for β not positive and finite, or a density
  ///   that cannot be normalized (e.g. `logit` without smoothing and β ≤ 1).
  public static func density(transform: Transform, beta: Double) throws(InfAlignError) -> CalibratedQuadrature {
    guard beta > 0 && beta.isFinite else {
      throw .invalidParameter(name: "beta", value: beta, reason: "the KL weight β must be positive and finite")
    }
    let slopes = transform.endSlopes
    if transform.topValue.isFinite {
      return try CalibratedQuadrature(
        lower: { transform.differenceFromTop($0) / beta },
        upper: { transform.differenceFromTop(complement: $0) / beta },
        slopeAtZero: slopes.atZero / beta, slopeAtOne: slopes.atOne / beta, breakpoints: transform.kinks)
    }
    return try CalibratedQuadrature(
      lower: { transform.value($0) / beta }, upper: { transform.value(1 - $0) / beta },
      slopeAtZero: slopes.atZero / beta, slopeAtOne: slopes.atOne / beta, breakpoints: transform.kinks)
  }

  /// Analyzes `(Φ, β, T, T')`. The reference procedure defaults to the policy's (InfAlign's setting).
  ///
  /// - Throws: as ``density(transform:beta:)``.
  /// - Complexity: a few hundred to a few thousand transform evaluations; well under a millisecond.
  public static func analyze(
    transform: Transform, beta: Double, procedure: Procedure, reference: Procedure? = nil
  ) throws(InfAlignError) -> CalibratedPoint {
    let q = try density(transform: transform, beta: beta)
    let top = transform.topValue
    let reference = reference ?? procedure
    return CalibratedPoint(
      transform: transform, beta: beta, procedure: procedure, referenceProcedure: reference,
      logZ: top.isFinite ? q.logNormalizer + top / beta : q.logNormalizer, kl: q.kl,
      standardWinRate: q.standardWinRate, winRate: q.winRate(policy: procedure, reference: reference))
  }

  /// The range of β searched by ``beta(forKL:transform:)``, relative to the transform's spread `|Φ(1) − Φ(0)|`
  /// (the scale of `Φ` and of `β` trade off, MATH.md §4): `β ∈ spread · [e^{-60}, e^{60}]`.
  public static func betaRange(for transform: Transform) -> ClosedRange<Double> {
    let spread = abs(transform.value(1) - transform.value(0))
    let scale = spread.isFinite && spread > 0 ? spread : 1
    return (scale * Double.exp(-60))...(scale * Double.exp(60))
  }

  /// The β at which the KL of `exp(Φ/β)/Z` equals `kl` (KL decreases in β), to 1e-10 relative in KL.
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` when `kl` is not positive or lies outside the
  ///   KL range reachable with β in ``betaRange(for:)`` (the message gives that range).
  public static func beta(forKL kl: Double, transform: Transform) throws(InfAlignError) -> Double {
    guard kl > 0 && kl.isFinite else {
      throw .invalidParameter(name: "KL budget", value: kl, reason: "must be positive and finite")
    }
    var failure: InfAlignError? = nil
    let target = Double.log(kl)
    func residual(_ logBeta: Double) -> Double {
      do {
        let value = try density(transform: transform, beta: Double.exp(logBeta)).kl
        return value > 0 ? Double.log(value) - target : -.infinity
      } catch {
        failure = error
        return .nan
      }
    }
    let range = betaRange(for: transform)
    let lo = Double.log(range.lowerBound), hi = Double.log(range.upperBound)
    let centre = Double.log(range.lowerBound) + 60
    do {
      let x = try BrentRoot.solve(
        residual, expandingFrom: centre - 1, centre + 1, domain: .bounded(lower: lo, upper: hi),
        absoluteTolerance: 1e-13)
      // The root finder stops at a bracket; make sure the budget is really met (not a boundary of the range).
      let reached = try density(transform: transform, beta: Double.exp(x)).kl
      if abs(reached - kl) <= 1e-8 * kl { return Double.exp(x) }
      throw MathError.noConvergence(method: "β for KL", iterations: 0, estimate: reached, tolerance: 1e-8)
    } catch {
      if let failure { throw failure }
      let highest = (try? density(transform: transform, beta: range.lowerBound).kl) ?? .nan
      let lowest = (try? density(transform: transform, beta: range.upperBound).kl) ?? .nan
      throw .invalidParameter(
        name: "KL budget", value: kl,
        reason: "out of reach for transform \(transform): β in [\(range.lowerBound), \(range.upperBound)] "
          + "gives KL from \(lowest) to \(highest)")
    }
  }

  /// Analyzes the point whose β meets the KL budget `kl`.
  public static func analyze(
    transform: Transform, kl: Double, procedure: Procedure, reference: Procedure? = nil
  ) throws(InfAlignError) -> CalibratedPoint {
    try analyze(transform: transform, beta: beta(forKL: kl, transform: transform), procedure: procedure,
                reference: reference)
  }
}
