import Foundation
import InfAlignSolvers
import Testing

private func task(_ seed: UInt64, b: Int = 3, k: Int = 4) -> (Matrix<Double>, Matrix<Double>) {
  var rng = TestRNG(seed)
  let ref = Matrix<Double>(rows: b, columns: k) { _, _ in rng.normal() }
  let rewards = Matrix<Double>(rows: b, columns: k) { _, _ in rng.uniform() }
  return (ref, rewards)
}

@Test func tiltedPolicyMatchesNaiveLoops() throws {
  let (ref, rewards) = task(1)
  let betas = [0.3, 1.0, 2.5]
  let lp = try TiltedPolicy.logPolicy(referenceLogProbs: ref, rewards: rewards, betas: betas)
  let kl = try TiltedPolicy.kl(logPolicy: lp, referenceLogProbs: ref)
  for b in 0..<3 {
    let refNorm = ref.row(b).map { $0 - log(ref.row(b).reduce(0) { $0 + exp($1) }) }
    let logits = zip(refNorm, rewards.row(b)).map { $0 + $1 / betas[b] }
    let z = log(logits.reduce(0) { $0 + exp($1) })
    var klExpected = 0.0
    for k in 0..<4 {
      #expect(abs(lp[b, k] - (logits[k] - z)) < 1e-13)
      klExpected += exp(logits[k] - z) * (logits[k] - z - refNorm[k])
    }
    #expect(abs(kl[b] - klExpected) < 1e-13)
  }
  // β → ∞ gives π_ref; a unique best candidate takes all mass as β → 0.
  let flat = try TiltedPolicy.logPolicy(referenceLogProbs: ref, rewards: rewards, betas: [1e12])
  let normalized = try TiltedPolicy.normalized(ref)
  for i in 0..<12 { #expect(abs(flat.storage[i] - normalized.storage[i]) < 1e-9) }
  let sharp = try TiltedPolicy.logPolicy(referenceLogProbs: ref, rewards: rewards, betas: [1e-4])
  for b in 0..<3 {
    let best = rewards.row(b).enumerated().max { $0.element < $1.element }!.offset
    #expect(exp(sharp[b, best]) > 1 - 1e-9)
  }
  #expect(throws: InfAlignError.self) { try TiltedPolicy.logPolicy(referenceLogProbs: ref, rewards: rewards, betas: [0]) }
  #expect(throws: InfAlignError.self) { try TiltedPolicy.logPolicy(referenceLogProbs: ref, rewards: rewards, betas: [1, 2]) }
}

@Test func betaForKLBudgets() throws {
  let (ref, rewards) = task(2, b: 4, k: 6)
  let perPrompt = try TiltedPolicy.betaPerPrompt(forKL: 0.3, referenceLogProbs: ref, rewards: rewards)
  let lp = try TiltedPolicy.logPolicy(referenceLogProbs: ref, rewards: rewards, betas: perPrompt)
  for kl in try TiltedPolicy.kl(logPolicy: lp, referenceLogProbs: ref) { #expect(abs(kl - 0.3) < 1e-9) }
  let batch = try TiltedPolicy.betaForBatch(forMeanKL: 0.5, referenceLogProbs: ref, rewards: rewards)
  let kls = try TiltedPolicy.kl(
    logPolicy: TiltedPolicy.logPolicy(referenceLogProbs: ref, rewards: rewards, betas: [batch]), referenceLogProbs: ref)
  #expect(abs(kls.reduce(0, +) / 4 - 0.5) < 1e-9)
  do {
    _ = try TiltedPolicy.betaPerPrompt(forKL: 50, referenceLogProbs: ref, rewards: rewards)
    Issue.record("expected an unreachable budget")
  } catch {
    #expect(error.description.contains("prompt 0"))
  }
}

@Test func logLinearGradientMatchesFiniteDifferences() throws {
  var rng = TestRNG(3)
  let (ref, rewards) = task(3)
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

/// With one-hot features (X = I), fitting reaches the closed-form optimum; P configurations at once equal P runs.
@Test func oneHotFitReachesClosedForm() throws {
  let (ref, rewards) = task(4)
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

private func toFloat(_ m: Matrix<Double>) -> Matrix<Float> {
  Matrix(rows: m.rows, columns: m.columns, storage: m.storage.map { Float($0) })
}

/// Float runs the same kernels (s-routines for the GEMMs): tilted policy, KL, β for a budget, the log-linear
/// objective and gradient agree with Double to Float precision, and a one-hot Adam fit reaches the closed form.
@Test func policySolversInFloatAgreeWithDouble() throws {
  var rng = TestRNG(9)
  let (ref, rewards) = task(9)
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
