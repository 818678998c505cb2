import InfAlignSolvers
import Testing

// The public entry points over spans and `CTRLOutputArrays` (issue 23: no unsafe pointer in a public signature) give
// the same bits as the `package` buffer forms they wrap, and a length that does not fit is a typed error, never a
// trap.

/// `body` throws ``InfAlignError/shapeMismatch(_:)``.
private func expectShapeMismatch(
  sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws(InfAlignError) -> Void
) {
  do {
    try body()
    Issue.record("no error", sourceLocation: sourceLocation)
  } catch {
    guard case .shapeMismatch = error else {
      Issue.record("\(error)", sourceLocation: sourceLocation)
      return
    }
  }
}

@Test func spanCalibrationMatchesTheMatrixForms() throws {
  var rng = TestRNG(23)
  let (b, m, k) = (5, 9, 4)
  let references: Matrix<Double> = rng.matrix(b, m), queries: Matrix<Double> = rng.matrix(b, k)
  let expected = try OneShotCalibration.calibrate(references: references, queries: queries)

  var out = [Double](repeating: .nan, count: b * k)
  var view = out.mutableSpan
  try OneShotCalibration.calibrate(
    references: references.storage.span, referenceColumns: m, queries: queries.storage.span, queryColumns: k,
    rows: b, into: &view, threads: 2)
  _ = consume view
  #expect(out == expected.storage)

  out = [Double](repeating: .nan, count: b * k)
  let referenceOffsets = (0...b).map { $0 * m }, queryOffsets = (0...b).map { $0 * k }
  view = out.mutableSpan
  try OneShotCalibration.calibrate(
    references: references.storage.span, referenceOffsets: referenceOffsets.span, queries: queries.storage.span,
    queryOffsets: queryOffsets.span, into: &view)
  _ = consume view
  #expect(out == expected.storage)

  let table = try CalibrationTable(references: references.storage.span, rows: b, columns: m)
  let counts = [Int](repeating: m, count: b)
  let ragged = try CalibrationTable(references: references.storage.span, counts: counts.span)
  for t in [table, ragged] {
    out = [Double](repeating: .nan, count: b * k)
    view = out.mutableSpan
    try t.calibrate(queries: queries.storage.span, columns: k, into: &view)
    _ = consume view
    #expect(out == expected.storage)
    out = [Double](repeating: .nan, count: b * k)
    view = out.mutableSpan
    try t.calibrate(queries: queries.storage.span, queryOffsets: queryOffsets.span, into: &view)
    _ = consume view
    #expect(out == expected.storage)
  }

  // An output of another length: thrown (the buffer forms check it with a precondition).
  var short = [Double](repeating: 0, count: b * k - 1)
  expectShapeMismatch { () throws(InfAlignError) in
    var view = short.mutableSpan
    try table.calibrate(queries: queries.storage.span, columns: k, into: &view)
  }
  expectShapeMismatch { () throws(InfAlignError) in
    var view = short.mutableSpan
    try OneShotCalibration.calibrate(
      references: references.storage.span, referenceColumns: m, queries: queries.storage.span, queryColumns: k,
      rows: b, into: &view)
  }
}

@Test func spanWinRateAndTiltMatchTheArrayForms() throws {
  var rng = TestRNG(24)
  let policy = (0..<3).map { _ in (0..<6).map { _ in rng.normal() + 0.3 } }
  let reference = (0..<3).map { _ in (0..<5).map { _ in rng.normal() } }
  let flatPolicy = policy.flatMap { $0 }, flatReference = reference.flatMap { $0 }
  let policyOffsets = [0, 6, 12, 18], referenceOffsets = [0, 5, 10, 15]
  let procedure = try Procedure.bestOf(2)
  let expected = try EmpiricalWinRate.estimate(policy: policy, reference: reference, procedure: procedure)
  var out = [Double](repeating: .nan, count: 3)
  var view = out.mutableSpan
  try EmpiricalWinRate.estimate(
    policy: flatPolicy.span, policyOffsets: policyOffsets.span, reference: flatReference.span,
    referenceOffsets: referenceOffsets.span, procedure: procedure, into: &view, threads: 2)
  _ = consume view
  #expect(out == expected)

  let options = TiltOptions(transform: try .exponential(rate: 2), strength: .beta(0.5))
  let withReferences = try TiltWeights.compute(
    rewards: flatPolicy.span, rewardOffsets: policyOffsets.span, references: flatReference.span,
    referenceOffsets: referenceOffsets.span, options: options)
  let arrays = try TiltWeights.compute(rewards: policy, references: reference, options: options)
  #expect(withReferences.weights == arrays.weights && withReferences.calibrated == arrays.calibrated)
  let leaveOneOut = try TiltWeights.compute(
    rewards: flatPolicy.span, rewardOffsets: policyOffsets.span, references: nil, referenceOffsets: nil,
    options: options)
  let leaveOneOutArrays = try TiltWeights.compute(rewards: policy, references: nil, options: options)
  #expect(leaveOneOut.weights == leaveOneOutArrays.weights)
  let table = try CalibrationTable(references: reference)
  let tabled = try TiltWeights.compute(
    rewards: flatPolicy.span, rewardOffsets: policyOffsets.span, table: table, options: options)
  #expect(tabled.weights == arrays.weights)
}

@Test func spanTransformAndQRPOMatchTheBufferForms() throws {
  let transform = try Transform.exponential(rate: 3)
  var values: [Float] = [0, 0.25, 0.5, 1, 1.5, -1]
  let expected = values.map { transform.apply($0) }
  var view = values.mutableSpan
  transform.apply(to: &view)
  _ = consume view
  #expect(values == expected)

  let c = [0.1, 0.5, 0.9], lp = [-1.0, -2, -3], lr = [-1.5, -2, -2.5]
  var gradient = [Double](repeating: .nan, count: 3), reference = gradient
  var g = gradient.mutableSpan
  let loss = try CTRLQRPO.loss(
    calibrated: c.span, policyLogProbs: lp.span, referenceLogProbs: lr.span, transform: transform, beta: 0.5,
    gradient: &g)
  _ = consume g
  let bufferLoss = try c.withUnsafeBufferPointer { (c) throws(InfAlignError) in
    try lp.withUnsafeBufferPointer { (lp) throws(InfAlignError) in
      try lr.withUnsafeBufferPointer { (lr) throws(InfAlignError) in
        try reference.withUnsafeMutableBufferPointer { (r) throws(InfAlignError) in
          try CTRLQRPO.loss(
            calibrated: c, policyLogProbs: lp, referenceLogProbs: lr, transform: transform, beta: 0.5, gradient: r)
        }
      }
    }
  }
  #expect(loss == bufferLoss && gradient == reference)
  var short = [Double](repeating: 0, count: 2)
  expectShapeMismatch { () throws(InfAlignError) in
    var g = short.mutableSpan
    _ = try CTRLQRPO.loss(
      calibrated: c.span, policyLogProbs: lp.span, referenceLogProbs: lr.span, transform: transform, beta: 0.5,
      gradient: &g)
  }
}

@Test func ctrlStepIntoOutputArraysMatchesTheAllocatingForm() throws {
  var rng = TestRNG(25)
  let (groups, g, nt) = (6, 4, 3), n = 6 * 4, ntok = n * nt
  let rewards = (0..<n).map { _ in rng.normal() }
  let logp = (0..<ntok).map { _ in rng.normal() - 4 }, logr = (0..<ntok).map { _ in rng.normal() - 4 }
  let old = (0..<ntok).map { _ in rng.normal() - 4 }
  let mask = (0..<ntok).map { $0 % nt != 2 || $0 % 5 == 0 }
  let options = CTRLOptions(transform: try .exponential(rate: 3))
  let expected = try CTRLStep.run(
    groups: groups, groupSize: g, maxTokens: nt, rewards: rewards, policyLogProbs: logp, referenceLogProbs: logr,
    oldPolicyLogProbs: old, mask: mask, calibration: .group, options: options, threads: 2)

  var outputs = try CTRLOutputArrays<Double>(
    groups: groups, groupSize: g, maxTokens: nt, calibrated: true, transformed: true, k1: true, k2: true, k3: true,
    valid: true)
  // Twice into the same arrays (a training loop): the same bits each time.
  for _ in 0..<2 {
    let summary = try CTRLStep.run(
      groups: groups, groupSize: g, maxTokens: nt, rewards: rewards.span, policyLogProbs: logp.span,
      referenceLogProbs: logr.span, oldPolicyLogProbs: old.span, mask: mask.span, calibration: .group,
      options: options, into: &outputs, threads: 2)
    #expect(summary == expected.summary)
    #expect(outputs.advantages == expected.advantages.storage && outputs.lossGradient == expected.lossGradient.storage)
    #expect(outputs.calibrated == expected.calibrated.storage && outputs.transformed == expected.transformed.storage)
    #expect(outputs.k1 == expected.k1.storage && outputs.k2 == expected.k2.storage && outputs.k3 == expected.k3.storage)
    #expect(outputs.valid == expected.valid)
  }

  // The sequence form is the token form with one token and no mask; outputs left nil are not written.
  let seq = try CTRLStep.run(
    groups: groups, groupSize: g, maxTokens: 1, rewards: rewards, policyLogProbs: Array(logp[..<n]),
    referenceLogProbs: Array(logr[..<n]), calibration: .group, options: options)
  var sequence = try CTRLOutputArrays<Double>(groups: groups, groupSize: g)
  let summary = try CTRLStep.run(
    groups: groups, groupSize: g, rewards: rewards.span, policyLogProbs: logp.span.extracting(0..<n),
    referenceLogProbs: logr.span.extracting(0..<n), calibration: .group, options: options, into: &sequence)
  #expect(summary == seq.summary && sequence.advantages == seq.advantages.storage && sequence.k1 == nil)

  // Shapes that do not fit: typed errors.
  #expect(throws: InfAlignError.self) { try CTRLOutputArrays<Double>(groups: -1, groupSize: 4) }
  #expect(throws: InfAlignError.self) { try CTRLOutputArrays<Double>(groups: Int.max, groupSize: 4) }
  expectShapeMismatch { () throws(InfAlignError) in
    var wrong = try CTRLOutputArrays<Double>(groups: groups, groupSize: g, maxTokens: nt)
    wrong.lossGradient.removeLast()
    _ = try CTRLStep.run(
      groups: groups, groupSize: g, maxTokens: nt, rewards: rewards.span, policyLogProbs: logp.span,
      referenceLogProbs: logr.span, calibration: .group, options: options, into: &wrong)
  }
}
