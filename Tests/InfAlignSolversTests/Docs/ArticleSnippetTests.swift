import Foundation
import InfAlignSolvers
import Testing

// The Swift snippets of the DocC article Sources/InfAlignSolvers/InfAlignSolvers.docc/RewardsToCTRLAndFrontier.md,
// in its order, with its calls and its data, asserting what its comments claim. The article is only rendered by
// `make docs`, which does not compile its code blocks: this test is what keeps them running and true. Change the
// two together.
@Test func rewardsToCTRLAndFrontierArticleRuns() throws {
  // MARK: Calibrate rewards into quantiles

  // B = 2 prompts. M = 8 reference rewards each (samples of π_ref), G = 4 policy samples each.
  let references = Matrix<Double>([
    [0.2, 0.5, 0.9, 1.4, 2.0, 2.2, 3.1, 3.5],
    [5.0, 5.5, 6.1, 6.3, 7.0, 7.2, 7.9, 8.4],
  ])
  let rewards = Matrix<Double>([
    [1.0, 3.3, 0.1, 2.1],
    [6.2, 8.0, 5.1, 7.1],
  ])

  let table = try CalibrationTable(references: references)
  let calibrated = try table.calibrate(rewards, options: CalibrationOptions(smoothing: true))
  // calibrated[0, 1] == 7.5 / 9: the reward 3.3 is above 7 of its prompt's 8 references.
  #expect(calibrated.rows == 2 && calibrated.columns == 4)
  #expect(calibrated[0, 1] == 7.5 / 9)
  // Every value is (count + ½)/(M + 1): smoothing keeps them off 0 and 1.
  #expect(calibrated.storage.allSatisfy { $0 > 0 && $0 < 1 })
  #expect(calibrated[0, 2] == 0.5 / 9 && calibrated[1, 1] == 7.5 / 9)

  // "When the references are used only once, OneShotCalibration.calibrate gives the same values."
  let oneShot = try OneShotCalibration.calibrate(
    references: references, queries: rewards, options: CalibrationOptions(smoothing: true))
  #expect(oneShot.storage == calibrated.storage)

  // MARK: Transform for the inference-time procedure

  let bestOf4 = try Procedure(parsing: "bon:4")  // or Procedure.bestOf(4)
  #expect(bestOf4 == (try Procedure.bestOf(4)))
  let tuned = try ParametricTuning.tune(family: bestOf4.suitedFamily, kl: 1, procedure: bestOf4)
  let phi = tuned.point.transform  // exp:t, t ≈ 17.3 for best-of-4 at KL 1
  #expect(bestOf4.suitedFamily == .exponential)
  #expect(abs(tuned.parameter - 17.3) < 0.05)
  guard case let .exponential(rate) = phi.kind else {
    Issue.record("the tuned transform is \(phi), not exp:t")
    return
  }
  #expect(rate == tuned.parameter)
  #expect(abs(tuned.point.kl - 1) < 1e-8 && tuned.point.beta > 0 && tuned.point.winRate > 0.5)

  let transformed = calibrated.storage.map { phi($0) }  // Φ(u) of each sample
  #expect(transformed.count == 8)
  for (u, value) in zip(calibrated.storage, transformed) { #expect(abs(value - exp(rate * u)) <= 1e-14 * value) }

  // MARK: Analyze the trade-off in calibrated space

  let point = try CalibratedSpace.analyze(transform: phi, kl: 1, procedure: bestOf4)
  #expect(abs(point.kl - 1) < 1e-8)
  #expect(abs(point.beta - tuned.point.beta) <= 1e-6 * tuned.point.beta)
  #expect(abs(point.winRate - tuned.point.winRate) < 1e-9)
  #expect(point.standardWinRate > 0.5 && point.winRate > 0.5)

  // The same budget with the raw calibrated reward (Φ(u) = u): a lower best-of-4 win rate.
  let plain = try CalibratedSpace.analyze(transform: .identity, kl: 1, procedure: bestOf4)
  #expect(abs(plain.kl - 1) < 1e-8)
  #expect(plain.winRate < point.winRate)

  // Sweeping the budget: identity < tuned exp:t < optimal, "increasing along each row".
  for budget in [0.25, 0.5, 1, 2] {
    let identity = try CalibratedSpace.analyze(transform: .identity, kl: budget, procedure: bestOf4)
    let exponential = try ParametricTuning.tune(family: .exponential, kl: budget, procedure: bestOf4).point
    let optimal = try OptimalTransform.solve(procedure: bestOf4, kl: budget)
    #expect(identity.winRate < exponential.winRate, "KL \(budget)")
    #expect(exponential.winRate < optimal.winRate, "KL \(budget)")
  }

  // MARK: Run a CTRL step

  // Sequence-level log-probabilities (each sample's sum over its tokens) under π and π_ref, B × G.
  let logp = Matrix<Double>([[-12.1, -9.8, -15.0, -11.2], [-8.7, -10.4, -9.9, -7.5]])
  let logpRef = Matrix<Double>([[-12.0, -10.1, -14.6, -11.0], [-8.9, -10.0, -10.2, -7.9]])

  let options = CTRLOptions(
    transform: phi, smoothing: true, klLoss: CTRLOptions.KLTerm(coefficient: 0.01, estimator: .k3))
  let step = try CTRLStep.run(
    rewards: rewards, policyLogProbs: logp, referenceLogProbs: logpRef,
    calibration: .table(table), options: options)

  #expect(step.advantages.rows == 2 && step.advantages.columns == 4)  // B × G
  #expect(step.lossGradient.rows == 2 && step.lossGradient.columns == 4)  // ∂L/∂log π, B × G
  #expect(step.lossGradient.storage.allSatisfy(\.isFinite) && step.lossGradient.storage.contains { $0 != 0 })
  #expect(step.summary.loss.isFinite && step.summary.policyLoss.isFinite && step.summary.klLoss.isFinite)
  // The step calibrates against the same table with the same smoothing.
  #expect(step.calibrated.storage == calibrated.storage)
  // Group-baselined advantages: each group's sum to zero.
  for b in 0..<2 {
    #expect(abs((0..<4).map { step.advantages[b, $0] }.reduce(0, +)) < 1e-9)
  }

  // The zero-copy form: outputs made once for the shape, inputs as spans, the same values.
  var outputs = try CTRLOutputArrays<Double>(groups: 2, groupSize: 4, calibrated: true)
  let summary = try CTRLStep.run(
    groups: 2, groupSize: 4, rewards: rewards.storage.span, policyLogProbs: logp.storage.span,
    referenceLogProbs: logpRef.storage.span, calibration: .table(table), options: options, into: &outputs)

  #expect(outputs.advantages == step.advantages.storage)  // the values of step.advantages, row-major
  #expect(outputs.calibrated == calibrated.storage)  // the values of calibrated, row-major
  #expect(outputs.lossGradient == step.lossGradient.storage)
  #expect(summary == step.summary)  // step.summary, loss included
  #expect(outputs.transformed == nil && outputs.k1 == nil)  // not asked for, not computed

  // MARK: Check what the policy achieves

  let policySamples: [[Double]] = [[2.4, 3.4, 1.1, 1.9, 3.0, 2.8], [8.1, 6.2, 7.3, 6.9, 7.5, 5.6]]
  let referenceSamples: [[Double]] = [[0.3, 2.1, 1.2, 3.2, 0.8, 1.7], [6.0, 5.2, 7.4, 6.6, 7.0, 5.9]]
  let winRates = try EmpiricalWinRate.estimate(
    policy: policySamples, reference: referenceSamples, procedure: bestOf4)
  let interval = try Bootstrap.meanInterval(winRates)
  #expect(winRates.count == 2 && winRates.allSatisfy { $0 >= 0 && $0 <= 1 })
  #expect(interval.lower <= interval.estimate && interval.estimate <= interval.upper)
  #expect(abs(interval.estimate - (winRates[0] + winRates[1]) / 2) < 1e-12)
}
