import InfAlignMath

/// The outputs of a CTRL step as arrays, made once for a shape and rewritten in place by every
/// ``CTRLStep/run(groups:groupSize:maxTokens:rewards:policyLogProbs:referenceLogProbs:oldPolicyLogProbs:mask:rolloutLogProbs:calibration:options:into:threads:)``
/// (a training loop keeps one: no output is allocated per step).
///
/// Per-sample outputs hold `groups × groupSize` values, per-token outputs `groups × groupSize × maxTokens` (the
/// same on the sequence path, `maxTokens` 1), row-major. `advantages` and `lossGradient` are always written; the
/// others only when they are not `nil`, so a step computes into memory only what was asked for. A step throws
/// ``InfAlignError/shapeMismatch(_:)`` when an array does not have its shape's length.
public struct CTRLOutputArrays<T: BLASScalar>: Sendable {
  /// Per sample: the advantage (before a KL return-to-go added per token with
  /// ``CTRLOptions/KLRewardPlacement/afterBaseline``).
  public var advantages: [T]
  /// Per token: `∂L/∂log π` of the total loss `L` (PPO surrogate plus the KL loss term), advantages held fixed.
  public var lossGradient: [T]
  /// Per sample: the calibrated reward (the raw reward without calibration).
  public var calibrated: [T]?
  /// Per sample: `Φ(calibrated)` (or the estimator's reward for the distillation estimators).
  public var transformed: [T]?
  /// Per token: k1 `ρ`, k2 `ρ²/2`, k3 `e^{−ρ} − 1 + ρ` of `ρ = log π − log π_ref` (k3 with ρ clamped).
  public var k1: [T]?
  public var k2: [T]?
  public var k3: [T]?
  /// Per sample: `false` for masked samples (with ``CTRLOptions/NonFinitePolicy/mask``).
  public var valid: [Bool]?

  /// Zeroed outputs for `groups × groupSize` samples of `maxTokens` tokens: the two required ones, and each
  /// optional one whose flag is `true`.
  ///
  /// - Throws: ``InfAlignError/shapeMismatch(_:)`` for a negative shape or one whose size overflows `Int`.
  public init(
    groups: Int, groupSize: Int, maxTokens: Int = 1, calibrated: Bool = false, transformed: Bool = false,
    k1: Bool = false, k2: Bool = false, k3: Bool = false, valid: Bool = false
  ) throws(InfAlignError) {
    let (n, o1) = groups.multipliedReportingOverflow(by: groupSize)
    let (ntok, o2) = n.multipliedReportingOverflow(by: maxTokens)
    guard groups >= 0, groupSize >= 0, maxTokens >= 0, !o1, !o2 else {
      throw .shapeMismatch("\(groups) groups × \(groupSize) samples × \(maxTokens) tokens is not a valid shape")
    }
    advantages = [T](repeating: 0, count: n)
    lossGradient = [T](repeating: 0, count: ntok)
    self.calibrated = calibrated ? [T](repeating: 0, count: n) : nil
    self.transformed = transformed ? [T](repeating: 0, count: n) : nil
    self.k1 = k1 ? [T](repeating: 0, count: ntok) : nil
    self.k2 = k2 ? [T](repeating: 0, count: ntok) : nil
    self.k3 = k3 ? [T](repeating: 0, count: ntok) : nil
    self.valid = valid ? [Bool](repeating: true, count: n) : nil
  }

  /// `body` with the arrays as the step's output buffers, in place (each array is uniquely referenced first, so
  /// the step writes into this value's storage).
  mutating func withBuffers<R>(_ body: (CTRLOutputs<T>) throws(InfAlignError) -> R) throws(InfAlignError) -> R {
    try Self.withBuffers(&advantages, &lossGradient, &calibrated, &transformed, &k1, &k2, &k3, &valid, body)
  }

  private static func withBuffers<R>(
    _ advantages: inout [T], _ lossGradient: inout [T], _ calibrated: inout [T]?, _ transformed: inout [T]?,
    _ k1: inout [T]?, _ k2: inout [T]?, _ k3: inout [T]?, _ valid: inout [Bool]?,
    _ body: (CTRLOutputs<T>) throws(InfAlignError) -> R
  ) throws(InfAlignError) -> R {
    try advantages.withUnsafeMutableBufferPointer { (a) throws(InfAlignError) in
      try lossGradient.withUnsafeMutableBufferPointer { (g) throws(InfAlignError) in
        try withOptionalMutableBuffer(&calibrated) { (c) throws(InfAlignError) in
          try withOptionalMutableBuffer(&transformed) { (t) throws(InfAlignError) in
            try withOptionalMutableBuffer(&k1) { (k1) throws(InfAlignError) in
              try withOptionalMutableBuffer(&k2) { (k2) throws(InfAlignError) in
                try withOptionalMutableBuffer(&k3) { (k3) throws(InfAlignError) in
                  try withOptionalMutableBuffer(&valid) { (v) throws(InfAlignError) in
                    try body(
                      CTRLOutputs(
                        advantages: a, lossGradient: g, calibrated: c, transformed: t, k1: k1, k2: k2, k3: k3,
                        valid: v))
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
