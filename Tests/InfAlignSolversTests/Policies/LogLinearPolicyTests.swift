import Foundation
import InfAlignSolvers
import Testing

@Test func logLinearGradientMatchesFiniteDifferences() throws {
  var rng = TestRNG(3)
  let (ref, rewards) = policyTask(3)
  let features = Matrix<Double>(rows: 12, columns: 5) { _, _ in rng.normal() }
  var policy = try LogLinearPolicy(features: features, referenceLogProbs: ref, rewards: rewards, betas: [0.5, 2])
  let theta = Matrix<Double>(rows: 5, columns: 2) { _, _ in rng.normal() * 0.3 }
  var gradient = Matrix<Double>(rows: 5, columns: 2)
  _ = try policy.evaluate(theta: theta, gradient: &gradient)
  var scratch = gradient
  let h = 1e-6
  for i in 0..<5 {
    for p in 0..<2 {
      var plus = theta, minus = theta
      plus[i, p] += h
      minus[i, p] -= h
      let fd = (try policy.evaluate(theta: plus, gradient: &scratch)[p] - policy.evaluate(theta: minus, gradient: &scratch)[p]) / (2 * h)
      #expect(abs(fd - gradient[i, p]) < 1e-8, "Θ[\(i), \(p)]")
    }
  }
}

private func toFloat(_ m: Matrix<Double>) -> Matrix<Float> {
  Matrix(rows: m.rows, columns: m.columns, storage: m.storage.map { Float($0) })
}

/// Float runs the same kernels (s-routines for the GEMMs): tilted policy, KL, β for a budget, the log-linear
/// objective and gradient agree with Double to Float precision, and a one-hot Adam fit reaches the closed form.
@Test func policySolversInFloatAgreeWithDouble() throws {
  var rng = TestRNG(9)
  let (ref, rewards) = policyTask(9)
  let (refF, rewardsF) = (toFloat(ref), toFloat(rewards))
  let lp = try TiltedPolicy.logPolicy(referenceLogProbs: ref, rewards: rewards, betas: [0.7])
  let lpF = try TiltedPolicy.logPolicy(referenceLogProbs: refF, rewards: rewardsF, betas: [0.7])
  for i in 0..<12 { #expect(abs(Double(lpF.storage[i]) - lp.storage[i]) < 1e-5) }
  let kl = try TiltedPolicy.kl(logPolicy: lp, referenceLogProbs: ref)
  let klF = try TiltedPolicy.kl(logPolicy: lpF, referenceLogProbs: refF)
  for b in 0..<3 { #expect(abs(Double(klF[b]) - kl[b]) < 1e-5 * max(1, kl[b])) }
  let betaF = try TiltedPolicy.betaForBatch(forMeanKL: 0.2, referenceLogProbs: refF, rewards: rewardsF)
  let beta = try TiltedPolicy.betaForBatch(forMeanKL: 0.2, referenceLogProbs: ref, rewards: rewards)
  #expect(abs(Double(betaF) - beta) < 1e-4 * beta)

  let features = Matrix<Double>(rows: 12, columns: 5) { _, _ in rng.normal() }
  let theta = Matrix<Double>(rows: 5, columns: 2) { _, _ in rng.normal() * 0.3 }
  var policy = try LogLinearPolicy(features: features, referenceLogProbs: ref, rewards: rewards, betas: [0.5, 2])
  var policyF = try LogLinearPolicy(features: toFloat(features), referenceLogProbs: refF, rewards: rewardsF,
                                    betas: [0.5, 2])
  var gradient = Matrix<Double>(rows: 5, columns: 2), gradientF = Matrix<Float>(rows: 5, columns: 2)
  let objective = try policy.evaluate(theta: theta, gradient: &gradient)
  let objectiveF = try policyF.evaluate(theta: toFloat(theta), gradient: &gradientF)
  for p in 0..<2 { #expect(abs(Double(objectiveF[p]) - objective[p]) < 1e-5 * max(1, abs(objective[p]))) }
  for i in 0..<10 { #expect(abs(Double(gradientF.storage[i]) - gradient.storage[i]) < 1e-5) }

  var oneHot = try LogLinearPolicy(features: Matrix<Float>.identity(12), referenceLogProbs: refF, rewards: rewardsF,
                                   betas: [Float(1)])
  var adam = Adam<Float>(learningRate: 0.05)
  let fit = try PolicyFit.fit(&oneHot, initial: Matrix(rows: 12, columns: 1), optimizer: &adam, maxIterations: 5_000,
                              gradientTolerance: 1e-6)
  var g = Matrix<Float>(rows: 12, columns: 1)
  _ = try oneHot.evaluate(theta: fit.theta, gradient: &g)
  let exact = try TiltedPolicy.logPolicy(referenceLogProbs: ref, rewards: rewards, betas: [1])
  for j in 0..<12 { #expect(abs(Double(oneHot.logPolicy[0, j]) - exact.storage[j]) < 1e-4, "candidate \(j)") }
}
