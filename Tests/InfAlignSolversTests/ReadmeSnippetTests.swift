import InfAlignSolvers
import Testing

/// The library snippet of README.md, kept compiling and running.
@Test func readmeSnippetRuns() throws {
  let referenceRewards = Matrix<Float>(rows: 2, columns: 4, storage: [0.2, 1.5, -0.3, 2.2, 10, 40, 25, 5])
  let policyRewards = Matrix<Float>(rows: 2, columns: 2, storage: [1.0, 2.5, 30, 50])
  let groups = 2
  let rewards: [Float] = (0..<32).map { Float($0 % 7) }
  let logpArray = [Float](repeating: -3, count: 32), logpRefArray = [Float](repeating: -3.2, count: 32)

  // Calibrated space: which transform and β for best-of-4 under a KL budget of 1?
  let bon4 = try Procedure(parsing: "bon:4")
  let tuned = try ParametricTuning.tune(family: .exponential, kl: 1, procedure: bon4)
  #expect(tuned.parameter > 0 && abs(tuned.point.kl - 1) < 1e-8 && tuned.point.winRate > 0.5)

  // The optimal transform for the same budget: a tabulated R(u), usable wherever a Transform is taken.
  let optimal = try OptimalTransform.solve(procedure: bon4, kl: 1)
  #expect(abs(optimal.kl - 1) < 1e-8 && optimal.winRate >= tuned.point.winRate)

  // Calibrate rewards against reference samples (B prompts × M references), then transform.
  let calibrated = try OneShotCalibration.calibrate(
    references: referenceRewards, queries: policyRewards, options: .init(smoothing: true))
  let table = try CalibrationTable(references: referenceRewards)
  let again = try table.calibrate(policyRewards, options: .init(smoothing: true))
  #expect(calibrated.storage == [0.5, 0.9, 0.7, 0.9] && again.storage == calibrated.storage)

  // One CTRL step inside a training loop: inputs as spans, outputs made once and rewritten in place.
  var outputs = try CTRLOutputArrays<Float>(groups: groups, groupSize: 16)
  let summary = try CTRLStep.run(
    groups: groups, groupSize: 16, rewards: rewards.span, policyLogProbs: logpArray.span,
    referenceLogProbs: logpRefArray.span, calibration: .group, options: CTRLOptions(transform: tuned.point.transform),
    into: &outputs)
  #expect(outputs.advantages.count == 32 && outputs.lossGradient.count == 32 && outputs.k1 == nil)
  #expect(summary.maskedCount == 0 && summary.loss.isFinite && abs(summary.meanK1 - 0.2) < 1e-5)
}
