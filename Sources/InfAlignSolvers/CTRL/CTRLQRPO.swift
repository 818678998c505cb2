/// The offline calibrated regression loss in the QRPO form (arXiv 2507.08068), per sample
/// `ℓ_i = (Φ(c_i) − β log Z − β (log π_i − log π_ref,i))²`, averaged over the samples.
///
/// Under π_ref the calibrated reward `c` is Uniform(0, 1) (MATH.md §2), so the partition function of the tilted
/// policy `π ∝ π_ref · exp(Φ(c)/β)` is exactly `Z = ∫₀¹ exp(Φ(u)/β) du` in calibrated space, for any transform
/// (closed-form, tabulated, the optimal transform of any procedure): it is computed by the library's
/// calibrated-space analysis (``CalibratedSpace/analyze(transform:beta:procedure:reference:)``, relative 1e-7 or
/// better), where QRPO itself has closed forms for a few transforms only. At the minimum, `log π − log π_ref =
/// Φ(c)/β − log Z`: the KL-regularized optimum of MATH.md §3.
public enum CTRLQRPO {
  /// `log Z = log ∫₀¹ exp(Φ(u)/β) du`.
  /// - Throws: as ``CalibratedSpace/analyze(transform:beta:procedure:reference:)`` (β ≤ 0 or NaN, a transform
  ///   whose `Z` is not finite in `Double`).
  public static func logPartition(transform: Transform, beta: Double) throws(InfAlignError) -> Double {
    try CalibratedSpace.analyze(transform: transform, beta: beta, procedure: .standard).logZ
  }

  /// The loss over `n` samples and its gradient `∂L/∂log π_i = −2β·(Φ(c_i) − β log Z − βρ_i)/n` into `gradient`.
  ///
  /// - Parameters:
  ///   - calibrated: `c_i ∈ [0, 1]` (e.g. from ``CTRLStep`` with `.table` or `.group` calibration, or
  ///     ``CalibrationTable``).
  ///   - policyLogProbs: `log π_i` of each sample.
  ///   - referenceLogProbs: `log π_ref,i` of each sample.
  ///   - transform: the transform Φ of the calibrated reward.
  ///   - beta: the KL weight β.
  ///   - gradient: receives `∂L/∂log π_i`, one per sample.
  /// - Throws: ``InfAlignError/shapeMismatch(_:)`` when the log-probs or the gradient hold another number of
  ///   samples than `calibrated`; ``InfAlignError/invalidParameter(name:value:reason:)`` for β ≤ 0 or not finite;
  ///   ``InfAlignError/nonFinite(field:prompt:index:value:)`` naming the first sample (as `prompt` 0, `index` i)
  ///   whose input or residual is not finite.
  /// - Complexity: O(n) plus one calibrated-space analysis.
  public static func loss<T: BLASScalar>(
    calibrated: Span<T>, policyLogProbs: Span<T>, referenceLogProbs: Span<T>, transform: Transform, beta: Double,
    gradient: inout MutableSpan<T>
  ) throws(InfAlignError) -> Double {
    let n = calibrated.count
    if policyLogProbs.count != n || referenceLogProbs.count != n || gradient.count != n {
      throw .shapeMismatch(
        "QRPO inputs and the gradient must hold the same number of samples: \(n) calibrated rewards, "
          + "\(policyLogProbs.count) and \(referenceLogProbs.count) log-probs, \(gradient.count) gradient slots")
    }
    return try calibrated.withUnsafeBufferPointer { (c) throws(InfAlignError) in
      try policyLogProbs.withUnsafeBufferPointer { (p) throws(InfAlignError) in
        try referenceLogProbs.withUnsafeBufferPointer { (r) throws(InfAlignError) in
          try gradient.withUnsafeMutableBufferPointer { (g) throws(InfAlignError) in
            try loss(
              calibrated: c, policyLogProbs: p, referenceLogProbs: r, transform: transform, beta: beta, gradient: g)
          }
        }
      }
    }
  }

  /// The buffer form of ``loss(calibrated:policyLogProbs:referenceLogProbs:transform:beta:gradient:)``, for this
  /// package's modules (the C ABI): the caller keeps the memory valid and the lengths equal (a precondition).
  package static func loss<T: BLASScalar>(
    calibrated: UnsafeBufferPointer<T>, policyLogProbs: UnsafeBufferPointer<T>,
    referenceLogProbs: UnsafeBufferPointer<T>, transform: Transform, beta: Double,
    gradient: UnsafeMutableBufferPointer<T>
  ) throws(InfAlignError) -> Double {
    let n = calibrated.count
    precondition(policyLogProbs.count == n && referenceLogProbs.count == n && gradient.count == n,
                 "QRPO inputs and the gradient must hold the same number of samples")
    guard beta.isFinite, beta > 0 else {
      throw .invalidParameter(name: "beta", value: beta, reason: "must be finite and > 0")
    }
    let offset = beta * (try logPartition(transform: transform, beta: beta))
    var sum = 0.0
    let scale = n > 0 ? 2 * beta / Double(n) : 0
    for i in 0..<n {
      let c = Double(calibrated[i]), rho = Double(policyLogProbs[i]) - Double(referenceLogProbs[i])
      let residual = transform.value(c) - offset - beta * rho
      guard c.isFinite, residual.isFinite, (residual * residual).isFinite else {
        throw .nonFinite(field: "QRPO residual Φ(c) − β log Z − β(log π − log π_ref)", prompt: 0, index: i,
                         value: residual)
      }
      sum += residual * residual
      gradient[i] = T(-scale * residual)
    }
    return n > 0 ? sum / Double(n) : 0
  }
}
