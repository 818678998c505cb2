import InfAlignSolvers
import Testing

/// One golden point of scripts/golden_exactness.py: a transform and β (or the scaled weight of `e^{t(u−1)}`), the
/// policy and reference procedures, and 60-digit mpmath values of log Z, KL, the standard and the inference-time
/// win rate.
struct ExactPoint: Sendable, CustomStringConvertible {
  let transform: String, beta: Double, scaled: Bool, procedure: String, reference: String?
  let logZ: Double, kl: Double, standardWinRate: Double, winRate: Double
  init(
    _ transform: String, _ beta: Double, scaled: Bool, _ procedure: String, _ reference: String?, _ logZ: Double,
    _ kl: Double, _ swr: Double, _ w: Double
  ) {
    (self.transform, self.beta, self.scaled, self.procedure, self.reference) = (transform, beta, scaled, procedure, reference)
    (self.logZ, self.kl, self.standardWinRate, self.winRate) = (logZ, kl, swr, w)
  }
  var description: String {
    "\(transform) \(scaled ? "scaled β" : "β")=\(beta) \(procedure)\(reference.map { " vs \($0)" } ?? "")"
  }
}

/// The exactness contract (docs/RELIABILITY.md): KL and log Z to relative 1e-7 (absolute 1e-300 below that
/// scale), win rates to absolute 1e-9, against 60-digit mpmath for the large-t exponential family, large N,
/// worst-of-N and order statistics at tiny β, extreme β, smoothed and unsmoothed log/logit, mixtures and a separate
/// reference procedure.
@Test(arguments: exactnessGoldenValues)
func calibratedSpaceMeetsTheExactnessContract(_ g: ExactPoint) throws {
  let transform = try Transform(parsing: g.transform)
  let procedure = try Procedure(parsing: g.procedure)
  let reference = try g.reference.map { try Procedure(parsing: $0) }
  let p = g.scaled
    ? try CalibratedSpace.analyze(transform: transform, scaledBeta: g.beta, procedure: procedure, reference: reference)
    : try CalibratedSpace.analyze(transform: transform, beta: g.beta, procedure: procedure, reference: reference)
  #expect(abs(p.logZ - g.logZ) <= Swift.max(1e-7 * abs(g.logZ), 1e-300), "log Z \(p.logZ) vs \(g.logZ)")
  #expect(abs(p.kl - g.kl) <= Swift.max(1e-7 * abs(g.kl), 1e-300), "KL \(p.kl) vs \(g.kl)")
  #expect(abs(p.standardWinRate - g.standardWinRate) <= 1e-9, "standard \(p.standardWinRate) vs \(g.standardWinRate)")
  #expect(abs(p.winRate - g.winRate) <= 1e-9, "win rate \(p.winRate) vs \(g.winRate)")
}
