import Foundation
import InfAlignSolvers
import Testing

@Test func tiltedPolicyMatchesNaiveLoops() throws {
  let (ref, rewards) = policyTask(1)
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
  let (ref, rewards) = policyTask(2, b: 4, k: 6)
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
