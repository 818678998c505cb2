import InfAlignSolvers

/// What one token-level CTRL step wrote: the tests' runs of ``CTRLBatch`` on arrays (``runTokenStep``).
struct CTRLTokenStepRun<T: BLASScalar> {
  var advantages: [T], gradient: [T]
  /// Empty when the run asked for no k3 output.
  var k3: [T]
  var summary: CTRLSummary
}

/// Runs ``CTRLBatch`` without calibration on arrays of `groups × groupSize` rewards and `× maxTokens` token inputs,
/// holding every buffer pointer in one place: `mask` nil runs without a mask, `rollout` nil without rollout
/// log-probs, `k3` false without the k3 output.
func runTokenStep<T: BLASScalar>(
  groups b: Int, groupSize g: Int, maxTokens t: Int, rewards: [T], policy: [T], reference: [T], old: [T],
  mask: [Bool]?, rollout: [T]? = nil, k3: Bool = true, options: CTRLOptions, threads: Int
) throws -> CTRLTokenStepRun<T> {
  let n = b * g, nt = n * t
  var advantages = [T](repeating: 0, count: n), gradient = [T](repeating: 0, count: nt)
  var k3Values = [T](repeating: 0, count: k3 ? nt : 0)
  let summary = try rewards.withUnsafeBufferPointer { r in
    try policy.withUnsafeBufferPointer { p in
      try reference.withUnsafeBufferPointer { q in
        try old.withUnsafeBufferPointer { x in
          try withOptionalBuffer(rollout) { y in
            try withOptionalBuffer(mask) { m in
              try advantages.withUnsafeMutableBufferPointer { a in
                try gradient.withUnsafeMutableBufferPointer { d in
                  try k3Values.withUnsafeMutableBufferPointer { k in
                    try CTRLBatch(
                      groups: b, groupSize: g, rewards: r,
                      tokens: CTRLTokens(
                        maxTokens: t, policyLogProbs: p, referenceLogProbs: q, oldPolicyLogProbs: x, mask: m,
                        rolloutLogProbs: y),
                      calibration: .none, options: options,
                      outputs: CTRLOutputs(advantages: a, lossGradient: d, k3: k3 ? k : nil)
                    ).run(threads: threads)
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return CTRLTokenStepRun(advantages: advantages, gradient: gradient, k3: k3Values, summary: summary)
}

private func withOptionalBuffer<E, R>(_ values: [E]?, _ body: (UnsafeBufferPointer<E>?) throws -> R) rethrows -> R {
  guard let values else { return try body(nil) }
  return try values.withUnsafeBufferPointer { try body($0) }
}
