/// All outputs of a CTRL step as matrices (`groups × groupSize`), for callers that do not manage buffers.
public struct CTRLResult<T: BLASScalar>: Sendable {
  public var calibrated: Matrix<T>
  public var transformed: Matrix<T>
  public var advantages: Matrix<T>
  public var k1: Matrix<T>
  public var k2: Matrix<T>
  public var k3: Matrix<T>
  /// `∂L/∂log π` for the PPO clipped surrogate loss.
  public var lossGradient: Matrix<T>
  /// `false` for masked samples, row-major.
  public var valid: [Bool]
  public var summary: CTRLSummary
}

extension CTRLStep {
  /// Runs the step on matrices (one row per prompt group), allocating the outputs.
  ///
  /// - Throws: as ``run(groups:groupSize:rewards:policyLogProbs:referenceLogProbs:oldPolicyLogProbs:calibration:options:outputs:)``,
  ///   and ``InfAlignError/shapeMismatch(_:)`` when the matrices differ in shape.
  public static func run<T: BLASScalar>(
    rewards: Matrix<T>, policyLogProbs: Matrix<T>, referenceLogProbs: Matrix<T>, oldPolicyLogProbs: Matrix<T>? = nil,
    calibration: CTRLCalibration<T>, options: CTRLOptions = .init()
  ) throws(InfAlignError) -> CTRLResult<T> {
    let (b, g) = (rewards.rows, rewards.columns)
    for (name, m) in [("policy log-probs", policyLogProbs), ("reference log-probs", referenceLogProbs)]
      + (oldPolicyLogProbs.map { [("old policy log-probs", $0)] } ?? [])
    where m.rows != b || m.columns != g {
      throw .shapeMismatch("\(name) are \(m.rows)×\(m.columns), rewards are \(b)×\(g)")
    }
    let empty = Matrix<T>(rows: b, columns: g)
    var result = CTRLResult(
      calibrated: empty, transformed: empty, advantages: empty, k1: empty, k2: empty, k3: empty, lossGradient: empty,
      valid: [Bool](repeating: true, count: b * g),
      summary: CTRLSummary(loss: 0, meanK1: 0, meanK2: 0, meanK3: 0, clippedFraction: 0, maskedCount: 0))
    let old = oldPolicyLogProbs?.storage
    result.summary = try rewards.storage.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try policyLogProbs.storage.withUnsafeBufferPointer { (lp) throws(InfAlignError) in
        try referenceLogProbs.storage.withUnsafeBufferPointer { (lr) throws(InfAlignError) in
          try withOptionalBuffer(old) { (lo) throws(InfAlignError) in
            try result.calibrated.withUnsafeMutableBufferPointer { (c) throws(InfAlignError) in
              try result.transformed.withUnsafeMutableBufferPointer { (t) throws(InfAlignError) in
                try result.advantages.withUnsafeMutableBufferPointer { (a) throws(InfAlignError) in
                  try result.k1.withUnsafeMutableBufferPointer { (k1) throws(InfAlignError) in
                    try result.k2.withUnsafeMutableBufferPointer { (k2) throws(InfAlignError) in
                      try result.k3.withUnsafeMutableBufferPointer { (k3) throws(InfAlignError) in
                        try result.lossGradient.withUnsafeMutableBufferPointer { (lg) throws(InfAlignError) in
                          try result.valid.withUnsafeMutableBufferPointer { (v) throws(InfAlignError) in
                            try run(
                              groups: b, groupSize: g, rewards: r, policyLogProbs: lp, referenceLogProbs: lr,
                              oldPolicyLogProbs: lo, calibration: calibration, options: options,
                              outputs: CTRLOutputs(
                                advantages: a, lossGradient: lg, calibrated: c, transformed: t, k1: k1, k2: k2, k3: k3,
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
      }
    }
    return result
  }

  private static func withOptionalBuffer<T, R>(
    _ array: [T]?, _ body: (UnsafeBufferPointer<T>?) throws(InfAlignError) -> R
  ) throws(InfAlignError) -> R {
    guard let array else { return try body(nil) }
    return try array.withUnsafeBufferPointer { (p) throws(InfAlignError) in try body(p) }
  }
}
