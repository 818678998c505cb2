import InfAlignSolvers
import Testing

/// Every stage of the CTRL step splits the batch into blocks of groups fixed by the shape, and batch statistics
/// and sums are combined in block order: every output, the summary and the error thrown are the same bits for any
/// thread count, for every preset, in both precisions, on the token-level (staged) and the sequence-level (fast
/// group pass, vector kernel) paths.

/// Every output's bits, the summary, or the error: what must not depend on the thread count.
private func fingerprint<T: BLASScalar>(
  _ run: (Int) throws(InfAlignError) -> CTRLResult<T>, threads: Int
) -> String {
  do {
    let r = try run(threads)
    let matrices = [r.calibrated, r.transformed, r.advantages, r.k1, r.k2, r.k3, r.lossGradient]
    let bits = matrices.map { m in m.storage.map { Double($0).bitPattern } }
    return "\(bits) \(r.valid) \(r.summary)"
  } catch {
    return "error: \(error)"
  }
}

/// `run` gives the same fingerprint on 1, 2 and 8 threads; returns the one-thread fingerprint.
@discardableResult
private func expectThreadInvariant<T: BLASScalar>(
  _: T.Type, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
  _ run: (Int) throws(InfAlignError) -> CTRLResult<T>
) -> String {
  let one = fingerprint(run, threads: 1)
  for threads in [2, 8] {
    #expect(fingerprint(run, threads: threads) == one, "\(what): \(threads) threads differ from one",
            sourceLocation: sourceLocation)
  }
  return one
}

/// Runs `options` on `x` with `threads`, with the given calibration.
private func step<T: BLASScalar>(
  _: T.Type, _ x: PeerBatch, _ options: CTRLOptions, _ calibration: CTRLCalibration<T>, threads: Int,
  masked: Bool = true
) throws(InfAlignError) -> CTRLResult<T> {
  try CTRLStep.run(
    groups: x.b, groupSize: x.g, maxTokens: x.t, rewards: x.rewards.map { T($0) }, policyLogProbs: x.lp.map { T($0) },
    referenceLogProbs: x.ref.map { T($0) }, oldPolicyLogProbs: x.old.map { T($0) }, mask: masked ? x.mask : nil,
    calibration: calibration, options: options, threads: threads)
}

private func presetCalibration<T: BLASScalar>(_ preset: CTRLPreset) -> CTRLCalibration<T> {
  preset.calibration == .group ? .group : .none
}

func checkPresetsThreadInvariant<T: BLASScalar>(_ type: T.Type) {
  // Token level with masks and extremes (staged path): 700 groups × 6 × 4 tokens, five blocks.
  let tokens = peerBatch(T.self, seed: 61, b: 700, g: 6, t: 4)
  // Sequence level, all finite (fast group pass for the peers, vector kernel): 3,000 groups × 6, five blocks.
  let sequences = peerBatch(T.self, seed: 62, b: 3000, g: 6, t: 1, masked: false, extremes: false)
  for preset in CTRLPreset.allCases {
    expectThreadInvariant(T.self, "\(preset) token level") { (threads) throws(InfAlignError) in
      try step(T.self, tokens, preset.options, presetCalibration(preset), threads: threads)
    }
    let sequenceLevel = expectThreadInvariant(T.self, "\(preset) sequence level") { (threads) throws(InfAlignError) in
      try step(T.self, sequences, preset.options, presetCalibration(preset), threads: threads, masked: false)
    }
    #expect(!sequenceLevel.hasPrefix("error"), "\(preset) sequence level: \(sequenceLevel)")
  }
}

@Test func presetsAreThreadInvariant() {
  checkPresetsThreadInvariant(Double.self)
  checkPresetsThreadInvariant(Float.self)
}

/// Batch statistics (std of the batch, whitening) with masked samples, a table calibration, and errors: the first
/// in group order whatever the thread count.
func checkBatchStatisticsThreadInvariant<T: BLASScalar>(_ type: T.Type) throws {
  var x = peerBatch(T.self, seed: 63, b: 700, g: 6, t: 4)
  for s in [7, 2_000, 4_111] { x.rewards[s] = .nan }
  var o = CTRLPreset.trlGRPO.options
  o.nonFinite = .mask
  for scale in [CTRLOptions.Scale.batch, .batchWhiten] {
    o.scale = scale
    let masked = expectThreadInvariant(T.self, "\(scale) masked") { (threads) throws(InfAlignError) in
      try step(T.self, x, o, .none, threads: threads)
    }
    #expect(!masked.hasPrefix("error"), "\(scale): \(masked)")
  }
  // The same NaNs thrown: prompt 1 (sample 1) in every case.
  o.nonFinite = .throwError
  let thrown = expectThreadInvariant(T.self, "first error") { (threads) throws(InfAlignError) in
    try step(T.self, x, o, .none, threads: threads)
  }
  #expect(thrown.hasPrefix("error") && thrown.contains("prompt 1"), "\(thrown)")
  // A reference table per group.
  var rng = TestRNG(64)
  let references = (0..<x.b).map { _ in (0..<9).map { _ in T(rng.uniform(0, 3)) } }
  let table = try CalibrationTable(references: references)
  var exp = CTRLPreset.infalign.options
  exp.transform = try .exponential(rate: 2)
  exp.nonFinite = .mask
  let calibrated = expectThreadInvariant(T.self, "table calibration") { (threads) throws(InfAlignError) in
    try step(T.self, x, exp, .table(table), threads: threads)
  }
  #expect(!calibrated.hasPrefix("error"), "\(calibrated)")
}

@Test func batchStatisticsAndErrorsAreThreadInvariant() throws {
  try checkBatchStatisticsThreadInvariant(Double.self)
  try checkBatchStatisticsThreadInvariant(Float.self)
}
