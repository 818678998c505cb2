import Foundation
import InfAlignSolvers
import Testing

/// Identity transform closed forms (MATH.md §3): f(u) = e^{u/β} / (β(e^{1/β} − 1)).
/// log Z = log(β) + log(expm1(1/β)); E_f[u] = 1/(1 − e^{−1/β}) − β = 1/(−expm1(−1/β)) − β;
/// KL = E_f[u]/β − log Z.
@Test(arguments: [1e-3, 1e-2, 0.1, 0.5, 1, 3, 10, 100, 1e3])
func identityClosedForms(beta: Double) throws {
  let q = try CalibratedQuadrature(
    lower: { ($0 - 1) / beta }, upper: { -$0 / beta }, slopeAtZero: 1 / beta, slopeAtOne: 1 / beta)
  // Relative to Φ(1)/β = 1/β.
  let logZ = q.logNormalizer + 1 / beta
  let logZExact = log(beta) + (1 / beta > 700 ? 1 / beta + log(-expm1(-1 / beta)) : log(expm1(1 / beta)))
  let mean = 1 / (-expm1(-1 / beta)) - beta
  // For small a = 1/β the difference cancels: use the series a²/24 − a⁴/960 + a⁶/36288 − a⁸/1382400 (sympy).
  let a = 1 / beta
  let klExact = a < 0.05
    ? a * a / 24 - pow(a, 4) / 960 + pow(a, 6) / 36288 - pow(a, 8) / 1_382_400
    : mean / beta - logZExact
  #expect(abs(logZ - logZExact) <= 1e-12 * max(1, abs(logZExact)))
  #expect(abs(q.standardWinRate - mean) <= 1e-12 * mean)
  #expect(abs(q.kl - klExact) <= 1e-10 * klExact, "KL \(q.kl) vs \(klExact)")
}
