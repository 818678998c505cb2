extension CTRLOptions {
  /// Checks every option against its domain.
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` naming the first option out of its domain:
  ///   NaN or infinite numbers, negative std epsilon or floor (or both 0 when advantages are scaled, which would
  ///   turn a zero-variance group into 0/0), clip ranges outside `[0, 1)` (low) or `[0, ∞)` (high), a dual-clip
  ///   constant `≤ 1`, a ratio cap `≤ 1`, a log-ratio clamp `≤ 0`, KL coefficients `< 0` or clamps `≤ 0`,
  ///   `k < 1` or `N < 1` for the estimators, a distillation ε outside `(0, 1)`, a length ε `< 0`.
  public func validate() throws(InfAlignError) {
    func finite(_ name: String, _ value: Double, atLeast low: Double, strict: Bool = false, _ reason: String)
      throws(InfAlignError)
    {
      if !value.isFinite || value < low || (strict && value == low) {
        throw .invalidParameter(name: name, value: value, reason: reason)
      }
    }
    try finite("stdEpsilon", stdEpsilon, atLeast: 0, "must be finite and ≥ 0")
    try finite("stdFloor", stdFloor, atLeast: 0, "must be finite and ≥ 0")
    if scale != .none || estimator == .maxMinusSecond, stdEpsilon + stdFloor <= 0 {
      throw .invalidParameter(
        name: "stdFloor", value: stdFloor,
        reason: "stdEpsilon + stdFloor must be > 0 when advantages are divided by a std (a zero-variance group "
          + "would give 0/0)")
    }
    try finite("distillationEpsilon", distillationEpsilon, atLeast: 0, strict: true, "must be in (0, 1)")
    if distillationEpsilon >= 1 {
      throw .invalidParameter(name: "distillationEpsilon", value: distillationEpsilon, reason: "must be in (0, 1)")
    }
    switch estimator {
    case .standard, .maxMinusSecond: break
    case let .maxAtK(k, _), let .passAtK(k, _), let .analyticPassAtK(k):
      if k < 1 { throw .invalidParameter(name: "k", value: Double(k), reason: "must be ≥ 1") }
    case let .bestOfNDistillation(n), let .worstOfNDistillation(n):
      if n < 1 { throw .invalidParameter(name: "N", value: Double(n), reason: "must be ≥ 1") }
    }
    for (name, term) in [("klReward", klReward), ("klLoss", klLoss)] {
      guard let term else { continue }
      try finite("\(name).coefficient", term.coefficient, atLeast: 0, "the KL coefficient β must be finite and ≥ 0")
      if let c = term.clamp {
        try finite("\(name).clamp", c, atLeast: 0, strict: true, "the KL clamp must be finite and > 0")
      }
    }
    try finite("clipLow", clipLow, atLeast: 0, "the lower clip range ε_low must be in [0, 1)")
    if clipLow >= 1 {
      throw .invalidParameter(name: "clipLow", value: clipLow, reason: "the lower clip range ε_low must be in [0, 1)")
    }
    try finite("clipHigh", clipHigh, atLeast: 0, "the upper clip range ε_high must be finite and ≥ 0")
    if let c = dualClip {
      try finite("dualClip", c, atLeast: 1, strict: true, "the dual-clip constant c must be finite and > 1")
    }
    if let d = ratioCap {
      try finite("ratioCap", d, atLeast: 1, strict: true, "the ratio cap δ must be finite and > 1")
    }
    if let c = logRatioClamp {
      try finite("logRatioClamp", c, atLeast: 0, strict: true, "the log-ratio clamp must be finite and > 0")
    }
    try rolloutCorrection?.validate()
    if let c = k3ReportClamp {
      try finite("k3ReportClamp", c, atLeast: 0, strict: true, "the k3 report clamp must be finite and > 0")
    }
    if policyLoss == .cispo, let c = dualClip ?? ratioCap {
      throw .invalidParameter(
        name: dualClip != nil ? "dualClip" : "ratioCap", value: c,
        reason: "the CISPO loss has no dual clip or ratio cap (its clipped weight carries no gradient); unset it")
    }
    if case let .sequenceMeanTokenMean(e, _) = aggregation {
      try finite("lengthEpsilon", e, atLeast: 0, "must be finite and ≥ 0")
    }
  }
}
