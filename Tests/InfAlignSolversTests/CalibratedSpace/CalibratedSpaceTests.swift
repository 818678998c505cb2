import Foundation
import InfAlignSolvers
import Testing

struct GoldenPoint: Sendable, CustomStringConvertible {
  let family: String, t: Double, beta: Double, procedure: String, n: Int
  let logZ: Double, kl: Double, standardWinRate: Double, winRate: Double
  init(_ family: String, _ t: Double, _ beta: Double, _ procedure: String, _ n: Int, _ logZ: Double, _ kl: Double,
       _ swr: Double, _ w: Double) {
    (self.family, self.t, self.beta, self.procedure, self.n) = (family, t, beta, procedure, n)
    (self.logZ, self.kl, self.standardWinRate, self.winRate) = (logZ, kl, swr, w)
  }
  var description: String { "\(family):\(t) β=\(beta) \(procedure):\(n)" }
}

let goldenPoints: [GoldenPoint] = [
  GoldenPoint("exp", 1, 1, "bon", 2, 1.8431753639459270474, 1.2561347915622926501e-1, 6.4179377562036035777e-1, 6.6915495639133551143e-1),
  GoldenPoint("exp", 5, 0.1, "bon", 8, 1.4752202424973659913e+3, 7.9106733677108128198, 9.9986505903067030103e-1, 9.9986515467649543414e-1),
  GoldenPoint("exp", 50, 0.001, "bon", 256, 5.1847055285870724641e+24, 5.9819778284411548949e+1, 1.0, 1.0),
  GoldenPoint("exp", 10, 1000, "bon", 16, 1.6680634200261367767e+1, 4.292588221290491184, 9.949626974000513916e-1, 9.9523837844713662278e-1),
  GoldenPoint("exp", 0.5, 1000, "bon", 1, 1.297460003928404381e-3, 1.7462716124903891849e-8, 5.0005383676771180402e-1, 5.0005383676771180402e-1),
  GoldenPoint("exp", 3, 0.3, "won", 4, 6.1664490801052536373e+1, 4.2716463223507745168, 9.9486419299835275126e-1, 9.9999993178041501547e-1),
  GoldenPoint("exp", 20, 0.01, "bon", 64, 4.8516519513378125337e+10, 2.6600902459500859289e+1, 9.9999999999896942319e-1, 9.9999999999896942319e-1),
  GoldenPoint("negexp", 1, 1, "won", 2, -6.1612713677041512642e-1, 1.5567782811389868367e-2, 5.5044462137580704801e-1, 5.6488764586559503885e-1),
  GoldenPoint("negexp", 5, 0.1, "won", 8, -8.2715578918462469941e-1, 3.9961695681761899225e-1, 7.2528600980730987759e-1, 9.7392156858050448924e-1),
  GoldenPoint("negexp", 50, 0.001, "won", 256, -1.6216536715850969057e-1, 1.3864427303717950124e-1, 5.7446280294873950333e-1, 9.999999999999846853e-1),
  GoldenPoint("negexp", 20, 0.01, "won", 32, -2.9991564132498975875e-1, 2.3242840823122327702e-1, 6.267843503287683618e-1, 9.9962564901988227731e-1),
  GoldenPoint("negexp", 3, 0.3, "bon", 4, -7.8412657856714309052e-1, 1.9166487873452603984e-1, 6.6530614652101590348e-1, 6.5609755433934408102e-1),
  // Beyond the contract's β range (reached by parametric tuning): an interior cliff, and a very steep exp.
  GoldenPoint("negexp", 46.6, 1e-13, "won", 32, -1.063453657630055845, 1.0013000826759836531, 8.262723540780519048e-1, 9.9999999999999291068e-1),
  GoldenPoint("exp", 200, 1e80, "bon", 16, 7.2259526766159606235e+6, 2.0091509650244990426e+1, 9.9999999930805154511e-1, 9.9999999930805163534e-1),
]

/// Every figure against 50-digit mpmath values (scripts/golden_calibrated_space.py) to 1e-9 relative.
@Test(arguments: goldenPoints)
func calibratedSpaceMatchesMpmath(_ g: GoldenPoint) throws {
  let transform = g.family == "exp" ? try Transform.exponential(rate: g.t) : try Transform.negativeExponential(rate: g.t)
  let procedure = g.procedure == "bon" ? try Procedure.bestOf(g.n) : try Procedure.worstOf(g.n)
  let p = try CalibratedSpace.analyze(transform: transform, beta: g.beta, procedure: procedure)
  #expect(abs(p.logZ - g.logZ) <= 1e-9 * abs(g.logZ), "log Z \(p.logZ) vs \(g.logZ)")
  #expect(abs(p.kl - g.kl) <= 1e-9 * abs(g.kl), "KL \(p.kl) vs \(g.kl)")
  #expect(abs(p.standardWinRate - g.standardWinRate) <= 1e-9 * g.standardWinRate, "standard")
  #expect(abs(p.winRate - g.winRate) <= 1e-9 * g.winRate, "win rate \(p.winRate) vs \(g.winRate)")
}

/// MATH.md §3: the best-of-M policy is f = M u^{M−1}, i.e. Φ = log u at β = 1/(M−1); KL = log M − (M−1)/M, standard
/// win rate M/(M+1), and its best-of-N vs best-of-N win rate is M/(M+1) for every N.
@Test(arguments: [2, 4, 16, 64])
func bestOfMPolicyClosedForms(m: Int) throws {
  let md = Double(m)
  for n in [1, 2, 8, 64, 256] {
    let p = try CalibratedSpace.analyze(transform: .log(epsilon: 0), beta: 1 / (md - 1), procedure: .bestOf(n))
    #expect(abs(p.kl - (log(md) - (md - 1) / md)) <= 1e-11)
    #expect(abs(p.standardWinRate - md / (md + 1)) <= 1e-12)
    #expect(abs(p.winRate - md / (md + 1)) <= 1e-10, "M=\(m) N=\(n): \(p.winRate)")
  }
}

@Test func constantTransformIsTheReference() throws {
  let constant = Transform.custom(name: "const", derivative: { _ in 0 }) { _ in 3 }
  for beta in [1e-3, 1, 1e3] {
    for procedure in [Procedure.standard, try .bestOf(8), try .worstOf(5)] {
      let p = try CalibratedSpace.analyze(transform: constant, beta: beta, procedure: procedure)
      #expect(abs(p.kl) <= 1e-15)
      #expect(abs(p.standardWinRate - 0.5) <= 1e-14 && abs(p.winRate - 0.5) <= 1e-13)
      #expect(abs(p.logZ - 3 / beta) <= 1e-12 * max(1, 3 / beta))
    }
  }
}

/// Worst-of-N with an increasing transform mirrors best-of-N with its reflection: Φ(u) ↦ −Φ(1 − u) maps
/// exp(t·u) to −exp(t(1 − u)) = −e^t·exp(−t·u), a scaled negexp, and W_won(f) = 1 − W_bon(f reflected) holds for
/// the reflected density against the reflected uniform: here checked through the reference-procedure symmetry
/// W(T vs T) + W(T reflected) = 1 with explicit reflection.
@Test func worstOfNMirrorsBestOfN() throws {
  let t = 4.0, beta = 0.5
  let bon = try CalibratedSpace.analyze(transform: .exponential(rate: t), beta: beta, procedure: .bestOf(4))
  // exp(t(1−u)) reflected density for won: f_won(u) = f_bon(1 − u); Φ = exp(t(1 − u)) = e^t·exp(−t u) = −e^t·negexp.
  let mirrored = Transform.custom(name: "mirror") { u in exp(t * (1 - u)) }
  let won = try CalibratedSpace.analyze(transform: mirrored, beta: beta, procedure: .worstOf(4))
  #expect(abs(bon.kl - won.kl) <= 1e-12)
  #expect(abs(bon.winRate + won.winRate - 1) <= 1e-12)
  #expect(abs(bon.standardWinRate + won.standardWinRate - 1) <= 1e-12)
}

@Test func betaForKLRoundTrips() throws {
  for (transform, kl) in [(Transform.identity, 0.5), (try .exponential(rate: 5), 2.0), (try .negativeExponential(rate: 3), 0.1),
                          (try .power(2), 4.0)] {
    let beta = try CalibratedSpace.beta(forKL: kl, transform: transform)
    let p = try CalibratedSpace.analyze(transform: transform, beta: beta, procedure: .standard)
    #expect(abs(p.kl - kl) <= 1e-10 * kl, "\(transform)")
  }
  // Unreachable: a constant transform has KL 0 at every β.
  let constant = Transform.custom(name: "const", derivative: { _ in 0 }) { _ in 1 }
  #expect(throws: InfAlignError.self) { try CalibratedSpace.beta(forKL: 1, transform: constant) }
  #expect(throws: InfAlignError.self) { try CalibratedSpace.beta(forKL: -1, transform: .identity) }
  #expect(throws: InfAlignError.self) { try CalibratedSpace.analyze(transform: .identity, beta: 0, procedure: .standard) }
  do {
    _ = try CalibratedSpace.analyze(transform: .identity, beta: -2, procedure: .standard)
  } catch {
    #expect(error.description.contains("-2"))
  }
}

@Test func tunedExponentialIsALocalMaximum() throws {
  let bon4 = try Procedure.bestOf(4)
  let tuned = try ParametricTuning.tune(family: .exponential, kl: 1, procedure: bon4)
  #expect(abs(tuned.point.kl - 1) <= 1e-9)
  for factor in [0.9, 1.1] {
    let other = try CalibratedSpace.analyze(
      transform: .exponential(rate: tuned.parameter * factor), kl: 1, procedure: bon4)
    #expect(tuned.point.winRate >= other.winRate - 1e-12)
  }
  let identity = try CalibratedSpace.analyze(transform: .identity, kl: 1, procedure: bon4)
  #expect(tuned.point.winRate >= identity.winRate - 1e-12)
}
