import Foundation
import InfAlignSolvers
import Testing

/// With one-hot features (X = I), fitting reaches the closed-form optimum; P configurations at once equal P runs.
@Test func oneHotFitReachesClosedForm() throws {
  let (ref, rewards) = policyTask(4)
  let betas = [0.4, 1.5]
  var policy = try LogLinearPolicy(features: .identity(12), referenceLogProbs: ref, rewards: rewards, betas: betas)
  var adam = Adam<Double>(learningRate: 0.05)
  let fit = try PolicyFit.fit(&policy, initial: Matrix(rows: 12, columns: 2), optimizer: &adam, maxIterations: 20_000,
                              gradientTolerance: 1e-13)
  var gradient = Matrix<Double>(rows: 12, columns: 2)
  _ = try policy.evaluate(theta: fit.theta, gradient: &gradient)
  for (p, beta) in betas.enumerated() {
    let exact = try TiltedPolicy.logPolicy(referenceLogProbs: ref, rewards: rewards, betas: [beta])
    for j in 0..<12 { #expect(abs(policy.logPolicy[p, j] - exact.storage[j]) < 1e-6, "config \(p) candidate \(j)") }
    // Separately.
    var single = try LogLinearPolicy(features: .identity(12), referenceLogProbs: ref, rewards: rewards, betas: [beta])
    var adamSingle = Adam<Double>(learningRate: 0.05)
    let alone = try PolicyFit.fit(&single, initial: Matrix(rows: 12, columns: 1), optimizer: &adamSingle,
                                  maxIterations: fit.iterations, gradientTolerance: 0)
    for i in 0..<12 { #expect(abs(alone.theta[i, 0] - fit.theta[i, p]) < 1e-9) }
  }
  #expect(fit.reason == .gradientNorm || fit.reason == .iterationCap)
}
