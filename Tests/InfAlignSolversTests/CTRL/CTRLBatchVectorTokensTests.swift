import InfAlignSolvers
import InfAlignTestSupport
import Testing

/// The token-level vector kernel (``CTRLBatch`` `kernelTokens`) against the scalar pass on the same batch. A rollout
/// correction whose weight is exactly 1 (rollout log-probs equal to the old ones: `exp(0) = 1`, under a bound of
/// 1e300) sends the same arithmetic through the scalar pass, so the two are compared within rounding: masks with gaps
/// and empty responses, the dual clip, KL-loss terms with clamps, every aggregation.

private func run<T: BLASScalar>(
  _: T.Type, _ options: CTRLOptions, b: Int, g: Int, t: Int, seed: UInt64, scalar: Bool
) throws -> CTRLTokenStepRun<T> {
  var rng = TestRNG(seed)
  let n = b * g, nt = n * t
  let rewards = (0..<n).map { _ in T(rng.normal()) }
  let lp = (0..<nt).map { _ in T(-2 + 0.3 * rng.normal()) }
  let ref = lp.map { $0 + T(0.05 * rng.normal()) }
  let old = lp.map { $0 + T(0.3 * rng.normal()) }
  // Masks with gaps (not only right padding) and a few empty responses.
  let mask = (0..<nt).map { k in (k / t) % 7 != 3 && rng.uniform() > 0.15 }
  var o = options
  if scalar { o.rolloutCorrection = CTRLRolloutCorrection(level: .token, upper: 1e300) }
  return try runTokenStep(
    groups: b, groupSize: g, maxTokens: t, rewards: rewards, policy: lp, reference: ref, old: old, mask: mask,
    rollout: scalar ? old : nil, options: o, threads: 2)
}

func checkTokenKernelEqualsScalarPass<T: BLASScalar>(_: T.Type) throws {
  var withKL = CTRLPreset.verlGRPO.options  // dual clip, k3 KL loss clamped at 10
  withKL.klLoss = .init(coefficient: 0.1, estimator: .k3, clamp: 10)
  var trl = CTRLPreset.trlGRPO.options
  trl.klLoss = .init(coefficient: 0.04, estimator: .k2)
  trl.ratioCap = 3
  var drgrpo = CTRLPreset.verlDrGRPO.options
  drgrpo.aggregation = .sequenceMeanTokenSumNormalized
  var seqMean = CTRLPreset.openRLHFGroupNorm.options
  seqMean.klReward = nil  // the kernel takes no KL return-to-go
  seqMean.aggregation = .sequenceMeanTokenMean(lengthEpsilon: 1e-8, lengthFloorOne: false)
  // Float: the kernel computes in Float, the scalar pass in Double.
  let tol = T.self == Double.self ? 1e-12 : 2e-5
  for (name, o) in [("verl-grpo+kl", withKL), ("trl+cap+k2", trl), ("drgrpo", drgrpo), ("seq-mean", seqMean)] {
    let vector = try run(T.self, o, b: 40, g: 6, t: 37, seed: 7, scalar: false)
    let scalar = try run(T.self, o, b: 40, g: 6, t: 37, seed: 7, scalar: true)
    #expect(vector.advantages == scalar.advantages, "\(name)")
    let scale = scalar.gradient.map { Swift.abs(Double($0)) }.max() ?? 1
    let worst = zip(vector.gradient, scalar.gradient).map { Swift.abs(Double($0) - Double($1)) }.max() ?? 0
    #expect(worst <= tol * scale, "\(name): gradient differs by \(worst / scale) of its largest value")
    #expect(zip(vector.k3, scalar.k3).allSatisfy { isRelativelyClose(Double($0), Double($1), tol) }, "\(name) k3")
    #expect(isRelativelyClose(vector.summary.loss, scalar.summary.loss, tol), "\(name) loss")
    #expect(isRelativelyClose(vector.summary.meanK3, scalar.summary.meanK3, tol), "\(name) mean k3")
    #expect(vector.summary.clippedFraction == scalar.summary.clippedFraction, "\(name) clipped fraction")
  }
}

@Test func tokenKernelEqualsScalarPassDouble() throws { try checkTokenKernelEqualsScalarPass(Double.self) }
@Test func tokenKernelEqualsScalarPassFloat() throws { try checkTokenKernelEqualsScalarPass(Float.self) }

@Test func tokenKernelRunsWhereTheCPUHasIt() throws {
  // The kernel's vector exp and summation order are not the scalar pass's: on an AVX2/AVX-512 CPU some bits differ,
  // which shows that the comparison above compared two paths.
  guard VectorISA.active > .baseline else { return }
  let o = CTRLPreset.verlGRPO.options
  let vector = try run(Double.self, o, b: 40, g: 6, t: 37, seed: 7, scalar: false)
  let scalar = try run(Double.self, o, b: 40, g: 6, t: 37, seed: 7, scalar: true)
  #expect(vector.gradient != scalar.gradient || vector.summary != scalar.summary)
}
