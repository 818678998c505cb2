import Foundation
import InfAlignSolvers
import Testing

/// The paper's claim on the synthetic task: at equal KL, CTRL (tuned transform) beats the raw and the calibrated
/// reward on the best-of-N / worst-of-N win rate, and calibration beats the raw reward on the standard win rate.
@Test func ctrlBeatsRawAndCalibratedAtMatchedKL() throws {
  var configuration = AlignmentExperiment.Configuration()
  configuration.prompts = 64
  configuration.candidates = 256
  configuration.referenceSamples = 256
  configuration.klBudgets = [0.5, 1, 2]
  let rows = try AlignmentExperiment.run(configuration)
  for procedure in ["bon:4", "won:4"] {
    for budget in configuration.klBudgets {
      func row(_ method: String) throws -> AlignmentExperiment.Row {
        try #require(rows.first { $0.method == method && $0.procedure == procedure && abs($0.kl - budget) < 1e-6 })
      }
      let raw = try row("raw"), calibrated = try row("calibrated"), ctrl = try row("ctrl-exp")
      #expect(ctrl.winRate > calibrated.winRate && ctrl.winRate > raw.winRate, "\(procedure) KL \(budget)")
      #expect(calibrated.standardWinRate > raw.standardWinRate, "\(procedure) KL \(budget)")
      for r in [raw, calibrated, ctrl] { #expect(abs(r.kl - budget) <= 1e-9 * budget) }
    }
  }
}

@Test func syntheticTaskIsSeededAndNormalized() {
  let a = SyntheticTask<Double>(prompts: 3, candidates: 5, referenceSamples: 7, seed: 9)
  let b = SyntheticTask<Double>(prompts: 3, candidates: 5, referenceSamples: 7, seed: 9)
  #expect(a.rewards == b.rewards && a.referenceRewards == b.referenceRewards)
  for row in 0..<3 {
    #expect(abs(a.referenceLogProbs.row(row).reduce(0.0) { $0 + exp($1) } - 1) < 1e-14)
    // Reference rewards are rewards of actual candidates.
    for s in a.referenceRewards.row(row) { #expect(a.rewards.row(row).contains(s)) }
  }
  #expect(SyntheticTask<Double>(prompts: 3, candidates: 5, referenceSamples: 7, seed: 10).rewards != a.rewards)
}
