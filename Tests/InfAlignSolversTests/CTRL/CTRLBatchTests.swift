import InfAlignSolvers
import Testing

/// ``CTRLBatch``'s initializer owns every check of a step: every shape (empty ones included) either runs or is a
/// typed error, never a trap; outputs may not overlap inputs; options are checked against the shape.

/// Buffers for a `b × g × t` batch (rewards 0, 1, 2, … per group; log-probs 0), run through a `CTRLBatch`.
private func withBatch<T: BLASScalar, R>(
  _: T.Type, b: Int, g: Int, t: Int, calibration: CTRLCalibration<T> = .none, options: CTRLOptions = .init(),
  rewardCount: Int? = nil, gradientCount: Int? = nil,
  _ body: (CTRLBatch<T>) throws(InfAlignError) -> R
) throws(InfAlignError) -> R {
  let n = b * g, nt = n * t
  let rewards = (0..<(rewardCount ?? n)).map { T($0 % Swift.max(g, 1)) }
  let zeros = [T](repeating: 0, count: nt)
  var advantages = [T](repeating: .nan, count: n), gradient = [T](repeating: .nan, count: gradientCount ?? nt)
  return try rewards.withUnsafeBufferPointer { (r) throws(InfAlignError) in
    try zeros.withUnsafeBufferPointer { (z) throws(InfAlignError) in
      try advantages.withUnsafeMutableBufferPointer { (a) throws(InfAlignError) in
        try gradient.withUnsafeMutableBufferPointer { (dg) throws(InfAlignError) in
          try body(
            CTRLBatch(
              groups: b, groupSize: g, rewards: r,
              tokens: CTRLTokens(maxTokens: t, policyLogProbs: z, referenceLogProbs: z), calibration: calibration,
              options: options, outputs: CTRLOutputs(advantages: a, lossGradient: dg)))
        }
      }
    }
  }
}

private let raw = CTRLPreset.verlGRPO.options

func checkEmptyShapesRun<T: BLASScalar>(_: T.Type) throws {
  // Zero groups, zero samples per group, zero tokens per sample (empty responses), and all of them at once, with
  // every calibration: a result (nothing to average: loss 0), never a trap.
  for (b, g, t) in [(0, 4, 1), (3, 0, 1), (2, 4, 0), (0, 0, 0), (0, 4, 8), (3, 0, 0)] {
    for threads in [1, 2] {
      let none = try withBatch(T.self, b: b, g: g, t: t, options: raw) { (x) throws(InfAlignError) in
        try x.run(threads: threads)
      }
      #expect(none.loss == 0 && none.meanK1 == 0 && none.clippedFraction == 0, "\(b)×\(g)×\(t): \(none)")
      // Group calibration needs two samples per group: an error naming the group when there are samples.
      do {
        let s = try withBatch(T.self, b: b, g: g, t: t, calibration: .group) { (x) throws(InfAlignError) in
          try x.run(threads: threads)
        }
        #expect((g >= 2 || b * g == 0) && s.loss == 0, "\(b)×\(g)×\(t): \(s)")
      } catch {
        #expect(b * g > 0 && g < 2, "\(b)×\(g)×\(t): \(error)")
      }
    }
  }
  // Zero tokens with samples: advantages still computed (the group stage needs no tokens), no gradient to write.
  let advantages = try withBatch(T.self, b: 2, g: 4, t: 0, options: raw) { (x) throws(InfAlignError) in
    _ = try x.run()
    return Array(x.outputs.advantages)
  }
  #expect(advantages.allSatisfy(\.isFinite) && advantages[3] > 0 && advantages[0] < 0)
}

@Test func emptyShapesRunDouble() throws { try checkEmptyShapesRun(Double.self) }
@Test func emptyShapesRunFloat() throws { try checkEmptyShapesRun(Float.self) }

func checkShapeErrors<T: BLASScalar>(_: T.Type) {
  func expectShapeError(_ what: String, _ build: () throws(InfAlignError) -> Void) {
    do {
      try build()
      Issue.record("\(what): no error")
    } catch {
      guard case .shapeMismatch = error else { Issue.record("\(what): \(error)"); return }
    }
  }
  expectShapeError("short rewards") { () throws(InfAlignError) in
    _ = try withBatch(T.self, b: 2, g: 3, t: 1, rewardCount: 5) { _ in 0 }
  }
  expectShapeError("long gradient") { () throws(InfAlignError) in
    _ = try withBatch(T.self, b: 2, g: 3, t: 2, gradientCount: 13) { _ in 0 }
  }
  let empty = UnsafeBufferPointer<T>(start: nil, count: 0)
  let none = UnsafeMutableBufferPointer<T>(start: nil, count: 0)
  for (b, g, t) in [(-1, 2, 1), (2, -1, 1), (2, 2, -1), (Int.max / 2, 3, 1), (1 << 40, 1 << 20, 1 << 10)] {
    expectShapeError("shape \(b)×\(g)×\(t)") { () throws(InfAlignError) in
      _ = try CTRLBatch(
        groups: b, groupSize: g, rewards: empty,
        tokens: CTRLTokens(maxTokens: t, policyLogProbs: empty, referenceLogProbs: empty), calibration: .none,
        outputs: CTRLOutputs(advantages: none, lossGradient: none))
    }
  }
  // A table for another number of groups.
  let table = try! CalibrationTable<T>(references: [[T(1), 2, 3]])
  expectShapeError("table") { () throws(InfAlignError) in
    _ = try withBatch(T.self, b: 2, g: 3, t: 1, calibration: .table(table)) { _ in 0 }
  }
}

@Test func shapeErrorsDouble() { checkShapeErrors(Double.self) }
@Test func shapeErrorsFloat() { checkShapeErrors(Float.self) }

func checkOverlappingOutputsRejected<T: BLASScalar>(_: T.Type) {
  var memory = [T](repeating: 1, count: 64)
  memory.withUnsafeMutableBufferPointer { m in
    let all = UnsafeBufferPointer(m)
    let rewards = UnsafeBufferPointer(rebasing: all[0..<8]), logProbs = UnsafeBufferPointer(rebasing: all[8..<16])
    func batch(advantages: Range<Int>, gradient: Range<Int>, k1: Range<Int>? = nil) throws(InfAlignError) {
      _ = try CTRLBatch(
        groups: 2, groupSize: 4, rewards: rewards, policyLogProbs: logProbs, referenceLogProbs: logProbs,
        calibration: .none, options: raw,
        outputs: CTRLOutputs(
          advantages: UnsafeMutableBufferPointer(rebasing: m[advantages]),
          lossGradient: UnsafeMutableBufferPointer(rebasing: m[gradient]),
          k1: k1.map { UnsafeMutableBufferPointer(rebasing: m[$0]) }))
    }
    // Inputs may share memory; outputs may not touch an input or each other.
    #expect(throws: Never.self) { try batch(advantages: 16..<24, gradient: 24..<32, k1: 32..<40) }
    for (a, d, k) in [(0..<8, 24..<32, nil), (20..<28, 24..<32, nil), (16..<24, 24..<32, 31..<39),
                      (16..<24, 12..<20, nil)] as [(Range<Int>, Range<Int>, Range<Int>?)] {
      #expect(throws: InfAlignError.self, "\(a) \(d) \(String(describing: k))") {
        try batch(advantages: a, gradient: d, k1: k)
      }
    }
  }
}

@Test func overlappingOutputsRejectedDouble() { checkOverlappingOutputsRejected(Double.self) }
@Test func overlappingOutputsRejectedFloat() { checkOverlappingOutputsRejected(Float.self) }

func checkEstimatorAgainstGroupSize<T: BLASScalar>(_: T.Type) throws {
  var o = CTRLOptions()
  o.estimator = .maxAtK(k: 4, baseline: .leaveOneOut)  // needs k + 1 = 5 samples per group
  #expect(throws: InfAlignError.self) {
    _ = try withBatch(T.self, b: 2, g: 4, t: 1, calibration: .group, options: o) { _ in 0 }
  }
  o.estimator = .maxAtK(k: 4, baseline: .groupMean)
  let s = try withBatch(T.self, b: 2, g: 4, t: 1, calibration: .group, options: o) { (x) throws(InfAlignError) in
    try x.run()
  }
  #expect(s.loss.isFinite)
  // An empty batch has no group to be too small.
  o.estimator = .maxAtK(k: 40, baseline: .groupMean)
  _ = try withBatch(T.self, b: 0, g: 4, t: 1, calibration: .group, options: o) { (x) throws(InfAlignError) in
    try x.run()
  }
  o.estimator = .maxMinusSecond
  #expect(throws: InfAlignError.self) {
    _ = try withBatch(T.self, b: 2, g: 1, t: 1, options: { var p = raw; p.estimator = .maxMinusSecond; return p }()) {
      _ in 0
    }
  }
}

@Test func estimatorAgainstGroupSizeDouble() throws { try checkEstimatorAgainstGroupSize(Double.self) }
@Test func estimatorAgainstGroupSizeFloat() throws { try checkEstimatorAgainstGroupSize(Float.self) }
