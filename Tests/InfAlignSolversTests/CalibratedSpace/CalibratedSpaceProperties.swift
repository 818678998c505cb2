import Foundation
import InfAlignSolvers
import PropertyBased
import Testing

/// Property-based checks of the calibrated-space analysis over transforms × procedures × β (docs/RELIABILITY.md):
/// every figure in its range or a typed error, KL and win rates monotone in β, and MATH.md's closed forms where one
/// applies. Inputs are drawn on log scales: `t` of exp/negexp in [0.1, 5000], N in [1, 10⁶], β in [1e-300, 1e300]
/// (for `exp:t` the scaled weight of `e^{t(u−1)}`). A failure prints its seed (`.fixedSeed(...)` reproduces it).

/// A transform drawn from an index and a parameter in [0, 1].
private func transform(_ index: Int, _ x: Double) throws -> Transform {
  let t = exp(log(0.1) + x * log(5000 / 0.1))
  switch index {
  case 0: return .identity
  case 1: return try .exponential(rate: t)
  case 2: return try .negativeExponential(rate: t)
  case 3: return try .log()
  case 4: return try .logit()
  case 5: return try .log(epsilon: 0)
  case 6: return try .logit(epsilon: 0)
  default: return try .power(exp(log(0.05) + x * log(50 / 0.05)))
  }
}

/// A procedure drawn from an index and a size in [0, 1] (N log-uniform in [1, 10⁶]).
private func procedure(_ index: Int, _ y: Double) throws -> Procedure {
  let n = Swift.max(1, Swift.min(Procedure.maximumN, Int(exp(y * log(1e6)).rounded())))
  switch index {
  case 0: return .standard
  case 1: return try .bestOf(n)
  case 2: return try .worstOf(n)
  case 3: return try .orderStatistic(Swift.max(1, n / 3), of: n)
  default: return try .mixture([(0.5, .bestOf(n)), (0.5, .worstOf(Swift.max(1, n / 2)))])
  }
}

/// The point at weight `10^z` (scaled for exp), or nil for a typed error (which is then checked to be one that says
/// why: every error of the analysis is an `InfAlignError` with a message).
private func point(_ phi: Transform, _ z: Double, _ g: Procedure) -> CalibratedPoint? {
  let weight = pow(10, z)
  do {
    if phi.logScale != 0 { return try CalibratedSpace.analyze(transform: phi, scaledBeta: weight, procedure: g) }
    return try CalibratedSpace.analyze(transform: phi, beta: weight, procedure: g)
  } catch {
    #expect(!error.description.isEmpty)
    return nil
  }
}

private func expectInRange(_ p: CalibratedPoint) {
  #expect(p.kl >= 0 && p.kl.isFinite, "KL \(p)")
  #expect(p.winRate >= 0 && p.winRate <= 1, "win rate \(p)")
  #expect(p.standardWinRate >= 0 && p.standardWinRate <= 1, "standard win rate \(p)")
  #expect(p.logZ.isFinite, "log Z \(p)")
}

/// In range, and monotone: a smaller β tilts harder toward high rewards (every built-in transform is
/// non-decreasing), so KL, the standard and every inference-time win rate do not decrease as β shrinks.
@Test func calibratedSpaceFiguresAreInRangeAndMonotoneInBeta() async {
  await propertyCheck(
    count: 60, input: Gen.int(in: 0...7), Gen.double(in: 0...1), Gen.int(in: 0...4), Gen.double(in: 0...1),
    Gen.double(in: -300...299.4)
  ) { ti, x, pi, y, z in
    let phi = try transform(ti, x)
    let g = try procedure(pi, y)
    guard let sharp = point(phi, z, g) else { return }
    expectInRange(sharp)
    guard let soft = point(phi, z + 0.6, g) else { return }  // β × 4
    expectInRange(soft)
    #expect(sharp.kl >= soft.kl * (1 - 1e-7) - 1e-300, "KL not monotone: \(sharp) vs \(soft)")
    #expect(sharp.winRate >= soft.winRate - 1e-9, "win rate not monotone: \(sharp) vs \(soft)")
    #expect(sharp.standardWinRate >= soft.standardWinRate - 1e-9, "standard not monotone: \(sharp) vs \(soft)")
  }
}

/// MATH.md §3 closed forms. Identity: `log Z = log(expm1(a)/a)`, `KL = log a − 1 + a/expm1(a) − log(−expm1(−a))`
/// (`a = 1/β`; its series for small `a`), `E[u] = 1/(−expm1(−a)) − 1/a`. `log` without smoothing: `f = (1 + a)uᵃ`,
/// `KL = log(1 + a) − a/(1 + a)`, `E[u] = (1 + a)/(2 + a)`, and best-of-N against best-of-N wins `E[u]` for every N.
/// Standard sampling: `W = E[u]`.
@Test func calibratedSpaceMatchesClosedForms() async {
  await propertyCheck(
    count: 60, input: Gen.bool, Gen.double(in: -300...300), Gen.int(in: 0...4), Gen.double(in: 0...1)
  ) { useLog, z, pi, y in
    let beta = pow(10, z), a = 1 / beta
    let g = try procedure(pi, y)
    if useLog {
      guard let p = point(try .log(epsilon: 0), z, g) else {
        Issue.record("log:none at β = \(beta) threw")
        return
      }
      let kl = a < 1e-8 ? a * a / 2 * (1 - 4 * a / 3) : log1p(a) - a / (1 + a)
      let mean = (1 + a) / (2 + a)
      #expect(abs(p.kl - kl) <= 1e-7 * kl + 1e-300, "KL \(p.kl) vs \(kl) at β = \(beta)")
      #expect(abs(p.standardWinRate - mean) <= 1e-9, "E[u] \(p.standardWinRate) vs \(mean)")
      if case .bestOf = g.kind { #expect(abs(p.winRate - mean) <= 1e-9, "bon win rate \(p.winRate) vs \(mean)") }
      if case .standard = g.kind { #expect(abs(p.winRate - mean) <= 1e-9) }
    } else {
      guard let p = point(.identity, z, g) else {
        Issue.record("identity at β = \(beta) threw")
        return
      }
      // log(expm1(a)/a) = a/2 + a²/24 − a⁴/2880 + a⁶/181440 (the quotient's rounding would dominate below 0.01).
      let logZ = a < 0.01
        ? a / 2 + a * a / 24 - pow(a, 4) / 2880 + pow(a, 6) / 181_440
        : (a > 700 ? a + log(-expm1(-a)) - log(a) : log(expm1(a) / a))
      // The series a²/24 − a⁴/960 + a⁶/36288 − a⁸/1382400 below a = 0.01, where the direct form cancels.
      let kl = a < 0.01
        ? a * a / 24 - pow(a, 4) / 960 + pow(a, 6) / 36288 - pow(a, 8) / 1_382_400
        : log(a) - 1 + (a > 700 ? 0 : a / expm1(a)) - log(-expm1(-a))
      let mean = a < 1e-4 ? 0.5 + a / 12 : 1 / -expm1(-a) - 1 / a
      #expect(abs(p.logZ - logZ) <= 1e-7 * abs(logZ) + 1e-300, "log Z \(p.logZ) vs \(logZ) at β = \(beta)")
      #expect(abs(p.kl - kl) <= 1e-7 * kl + 1e-300, "KL \(p.kl) vs \(kl) at β = \(beta)")
      #expect(abs(p.standardWinRate - mean) <= 1e-9, "E[u] \(p.standardWinRate) vs \(mean) at β = \(beta)")
      if case .standard = g.kind { #expect(abs(p.winRate - mean) <= 1e-9) }
    }
  }
}

/// The KL-budget solver meets the budget (1e-8 relative) wherever it returns, and says "out of reach" with the
/// reachable range otherwise; a larger budget never lowers the win rate.
@Test func klBudgetRoundTripsAndBuysWinRate() async {
  await propertyCheck(
    count: 25, input: Gen.int(in: 0...7), Gen.double(in: 0...1), Gen.int(in: 1...3), Gen.double(in: 0...1),
    Gen.double(in: -3...1.5)
  ) { ti, x, pi, y, logKL in
    let phi = try transform(ti, x)
    let g = try procedure(pi, y)
    let kl = pow(10, logKL)
    do {
      let p = try CalibratedSpace.analyze(transform: phi, kl: kl, procedure: g)
      #expect(abs(p.kl - kl) <= 1e-8 * kl, "\(p) misses KL \(kl)")
      expectInRange(p)
      if let more = try? CalibratedSpace.analyze(transform: phi, kl: kl * 1.5, procedure: g) {
        #expect(more.winRate >= p.winRate - 1e-9, "win rate fell with a larger budget: \(p) vs \(more)")
      }
    } catch let error as InfAlignError {
      switch error {
      case let .klBudgetOutOfReach(budget, lowest, highest, _):
        #expect(budget == kl && !(kl >= lowest && kl <= highest), "\(error)")
      case .invalidParameter, .math:
        #expect(!error.description.isEmpty)
      default:
        Issue.record("unexpected error \(error)")
      }
    }
  }
}
