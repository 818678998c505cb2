import InfAlignSolvers
import Testing

private func estimates(
  _ policy: [Double], _ reference: [Double], _ offsets: [Int], _ procedure: Procedure, threads: Int
) throws(InfAlignError) -> [Double] {
  var out = [Double](repeating: 0, count: offsets.count - 1)
  try policy.withUnsafeBufferPointer { (p) throws(InfAlignError) in
    try reference.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try offsets.withUnsafeBufferPointer { (o) throws(InfAlignError) in
        try out.withUnsafeMutableBufferPointer { (w) throws(InfAlignError) in
          try EmpiricalWinRate.estimate(
            policy: p, policyOffsets: o, reference: r, referenceOffsets: o, procedure: procedure, into: w,
            threads: threads)
        }
      }
    }
  }
  return out
}

/// Per-prompt estimates are the same bits for every thread count, and errors name the first bad prompt.
@Test func threadedWinRateBitIdentical() throws {
  var rng = TestRNG(31)
  let prompts = 3000
  var offsets = [0]
  for _ in 0..<prompts { offsets.append(offsets.last! + rng.int(8..<100)) }
  let policy = (0..<offsets.last!).map { _ in (rng.normal() * 4).rounded() / 4 + 0.1 }
  var reference = (0..<offsets.last!).map { _ in (rng.normal() * 4).rounded() / 4 }
  for procedure in [Procedure.standard, try .bestOf(8), try .worstOf(4)] {
    let single = try estimates(policy, reference, offsets, procedure, threads: 1)
    for threads in [2, 3, 8] {
      #expect(try estimates(policy, reference, offsets, procedure, threads: threads) == single)
    }
  }
  reference[offsets[900] + 2] = .infinity
  reference[offsets[2000]] = .nan
  for threads in [1, 2, 4] {
    #expect(throws: InfAlignError.nonFinite(field: "reference reward", prompt: 900, index: 2, value: .infinity)) {
      _ = try estimates(policy, reference, offsets, .standard, threads: threads)
    }
  }
}
