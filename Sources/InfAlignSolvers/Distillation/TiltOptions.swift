import RealModule

/// How strongly the exact tilt `π* ∝ π_ref·exp(Φ(u)/β)` leans on the calibrated reward: the KL weight β itself, β in
/// the transform's scaled form, or a KL budget that fixes β through the exact calibrated-space solve.
public enum TiltStrength: Sendable, Hashable, CustomStringConvertible {
  /// β as given (positive and finite).
  case beta(Double)
  /// `β̃ = β·e^{−logScale}` (``Transform/logScale``): for `exp:t`, the weight of `e^{t(u−1)}`, so `exp:t` with
  /// `t` past ~709 (where β itself exceeds `Double`) is reachable. For every other kind, β itself.
  case scaledBeta(Double)
  /// The β at which the exact tilt's calibrated-space KL equals this budget (``CalibratedSpace/logBeta(forKL:transform:)``).
  case kl(Double)

  public var description: String {
    switch self {
    case let .beta(b): return "β = \(b)"
    case let .scaledBeta(b): return "scaled β = \(b)"
    case let .kl(k): return "KL budget \(k)"
    }
  }
}

/// The settings of ``TiltWeights``: the transform, the strength, how rewards are calibrated, the procedures whose
/// win rates are predicted, and the threads.
public struct TiltOptions: Sendable {
  /// Φ, applied to the calibrated reward `u ∈ [0, 1]`.
  public var transform: Transform
  /// β, scaled β or a KL budget.
  public var strength: TiltStrength
  /// Smoothing and (with references given) leave-one-out of the calibration (MATH.md §2). The leave-one-out form of
  /// ``TiltWeights`` (no references) always calibrates each sample against the rest of its group.
  public var calibration: CalibrationOptions
  /// Inference-time procedures whose exact-tilt win rates are predicted (each against itself), e.g. `bon:4`.
  public var procedures: [Procedure]
  /// Threads to split the prompts over (`nil`: `Threads.count`); results are bit-identical for every count.
  public var threads: Int?

  public init(
    transform: Transform = .identity, strength: TiltStrength, calibration: CalibrationOptions = .init(),
    procedures: [Procedure] = [], threads: Int? = nil
  ) {
    self.transform = transform
    self.strength = strength
    self.calibration = calibration
    self.procedures = procedures
    self.threads = threads
  }

  /// `(β, log β)` for ``strength``: as given, from the scaled form, or by the exact KL solve (β may be `+∞` where it
  /// exceeds `Double`, an `exp:t` with large `t`; `log β` is always finite).
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` for a β, scaled β or budget that is not
  ///   positive and finite, for a thread count outside `1 ... Threads.maximum`, or for `logit` without smoothing at
  ///   β ≤ 1.0526 (not normalizable); ``InfAlignError/klBudgetOutOfReach(budget:lowest:highest:context:)`` for a
  ///   budget the transform cannot reach.
  /// - Complexity: O(1), or one KL solve (10–40 quadratures, about a millisecond).
  public func resolveBeta() throws(InfAlignError) -> (beta: Double, logBeta: Double) {
    if let threads, !(1...Threads.maximum).contains(threads) {
      throw .invalidParameter(name: "threads", value: Double(threads), reason: "must be in 1...\(Threads.maximum)")
    }
    let beta: Double, logBeta: Double
    switch strength {
    case let .beta(b):
      logBeta = try CalibratedSpace.checkedLogBeta(b)
      beta = b
    case let .scaledBeta(s):
      guard s > 0 && s.isFinite else {
        throw .invalidParameter(name: "scaled beta", value: s, reason: "must be positive and finite")
      }
      logBeta = Double.log(s) + transform.logScale
      beta = Double.exp(logBeta)
    case let .kl(k):
      logBeta = try CalibratedSpace.logBeta(forKL: k, transform: transform)
      beta = Double.exp(logBeta)
    }
    try CalibratedSpace.checkNormalizable(transform, logBeta: logBeta)
    return (beta, logBeta)
  }
}
