import InfAlignSolvers
import RealModule
import Testing

/// As the sample covers [0, 1] finely (K distinct rewards, leave-one-out: `u_i = i/(K−1)`), the reweighted sample's
/// KL and its exact discrete win rates against the uniform sample tend to the exact tilt's (``CalibratedSpace``).
@Test(arguments: [("identity", "bon:4"), ("exp:8", "bon:4"), ("negexp:6", "won:4"), ("identity", "won:4")])
func tiltWeightsConvergeToTheExactTilt(transform: String, procedure: String) throws {
  let p = try Procedure(parsing: procedure)
  var errors: [Int: (kl: Double, standard: Double, win: Double)] = [:]
  for k in [256, 4096] {
    let tilted = try TiltWeights.compute(
      rewards: [(0..<k).map { Double($0) }], references: nil,
      options: TiltOptions(transform: try Transform(parsing: transform), strength: .kl(1), procedures: [p]))
    let logPolicy = Matrix(rows: 1, columns: k, storage: tilted.weights.map { Double.log($0 / Double(k)) })
    let uniform = Matrix(rows: 1, columns: k, repeating: -Double.log(Double(k)))
    let rewards = Matrix(rows: 1, columns: k, storage: tilted.calibrated)
    let sample = try DiscreteWinRate.mean(logPolicy: logPolicy, referenceLogProbs: uniform, rewards: rewards,
                                          procedure: p)
    let exact = tilted.predictions[0]
    errors[k] = (abs(tilted.kl[0] - exact.kl), abs(sample.standard - exact.standardWinRate),
                 abs(sample.winRate - exact.winRate))
    #expect(abs(tilted.exact.kl - 1) < 1e-7)
    #expect(tilted.effectiveSampleSize[0] < Double(k) && tilted.effectiveSampleSize[0] > Double(k) / 20)
  }
  let coarse = errors[256]!, fine = errors[4096]!
  print("tilt convergence \(transform) \(procedure): K=256 \(coarse), K=4096 \(fine)")
  // O(1/K): 16× the samples, at least 8× closer (or already at rounding level).
  #expect(fine.kl < 3e-3 && fine.standard < 5e-4 && fine.win < 5e-4, "\(fine)")
  #expect(fine.kl < max(coarse.kl / 8, 1e-12), "\(coarse) → \(fine)")
  #expect(fine.win < max(coarse.win / 8, 1e-12), "\(coarse) → \(fine)")
}
