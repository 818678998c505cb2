import InfAlignSolvers
import Testing

/// Every thread count gives the same bits.
private func checkThreads<T: BLASScalar>(_: T.Type) throws {
  let batch = TiltBatch<T>(prompts: 3000, seed: 13, samples: 1..<20)
  for loo in [false, true] {
    let rewards = loo ? batch.rewards.map { $0 + [$0[0] + 1] } : batch.rewards  // ≥ 2 per group
    var options = TiltOptions(transform: try .exponential(rate: 6), strength: .beta(0.7), threads: 1)
    let single = try TiltWeights.compute(rewards: rewards, references: loo ? nil : batch.references, options: options)
    for threads in [2, 3, 8] {
      options.threads = threads
      let many = try TiltWeights.compute(rewards: rewards, references: loo ? nil : batch.references, options: options)
      #expect(many.weights == single.weights && many.calibrated == single.calibrated)
      #expect(many.logZ == single.logZ && many.kl == single.kl)
      #expect(many.effectiveSampleSize == single.effectiveSampleSize)
    }
  }
}

@Test func tiltWeightsBitIdenticalForEveryThreadCountDouble() throws { try checkThreads(Double.self) }
@Test func tiltWeightsBitIdenticalForEveryThreadCountFloat() throws { try checkThreads(Float.self) }

/// Bad input is a typed error naming the prompt (and sample); with several bad prompts, the first, whatever the
/// thread count.
@Test func tiltWeightsErrorsNameThePrompt() throws {
  let good: [[Double]] = [[1, 2, 3], [4, 5], [6, 7, 8]]
  let options = TiltOptions(strength: .beta(1))
  var bad = TiltBatch<Double>(prompts: 2000, seed: 3).rewards
  bad[700][1] = .nan
  bad[1500][0] = .infinity
  for threads in [1, 4] {
    var o = options
    o.threads = threads
    #expect(throws: InfAlignError.nonFinite(field: "reward", prompt: 700, index: 1, value: .nan)) {
      _ = try TiltWeights.compute(rewards: bad, references: nil, options: o)
    }
  }
  #expect(throws: InfAlignError.nonFinite(field: "reference reward", prompt: 2, index: 0, value: -.infinity)) {
    _ = try TiltWeights.compute(rewards: good, references: [[1], [2], [-.infinity]], options: options)
  }
  #expect(throws: InfAlignError.emptyReferences(prompt: 1, count: 1)) {
    _ = try TiltWeights.compute(rewards: [[1, 2], [3], [4, 5]], references: nil, options: options)
  }
  #expect(throws: InfAlignError.emptyReferences(prompt: 1, count: 0)) {
    _ = try TiltWeights.compute(rewards: good, references: [[1], [], [2]], options: options)
  }
  do {
    _ = try TiltWeights.compute(rewards: [[1, 2], [], [4, 5]], references: nil, options: options)
    Issue.record("an empty group was weighted")
  } catch {
    guard case let .shapeMismatch(message) = error else { throw error }
    #expect(message.contains("prompt 1 has no samples"), "\(message)")
  }
  #expect(throws: InfAlignError.shapeMismatch("rewards cover 3 prompts, the references 2")) {
    _ = try TiltWeights.compute(rewards: good, references: [[1], [2]], options: options)
  }
  // logit without smoothing: u = 1 has Φ(1) = +∞ (β > 1.0526 keeps the exact tilt normalizable).
  let logit = TiltOptions(transform: try .logit(epsilon: 0), strength: .beta(2))
  #expect(throws: InfAlignError.nonFinite(field: "tilt exponent Φ(u)/β", prompt: 1, index: 1, value: .infinity)) {
    _ = try TiltWeights.compute(rewards: [[1, 1], [0, 5]], references: nil, options: logit)
  }
  // log without smoothing: every sample at u = 0 leaves nothing to weight.
  let log = TiltOptions(transform: try .log(epsilon: 0), strength: .beta(1))
  #expect(throws: InfAlignError.nonFinite(field: "tilt exponent Φ(u)/β (every sample of the prompt)", prompt: 0,
                                          index: 0, value: -.infinity)) {
    _ = try TiltWeights.compute(rewards: [[-1, -2]], references: [[0, 1]], options: log)
  }
}

/// Options outside their domain.
@Test func tiltWeightsValidateOptions() throws {
  let rewards: [[Double]] = [[1, 2, 3]]
  func fails(_ options: TiltOptions, naming name: String) {
    do {
      _ = try TiltWeights.compute(rewards: rewards, references: nil, options: options)
      Issue.record("\(options.strength) was accepted")
    } catch {
      guard case let .invalidParameter(failed, _, _) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(failed == name, "\(error)")
    }
  }
  for beta in [0, -1, .nan, .infinity] { fails(TiltOptions(strength: .beta(beta)), naming: "beta") }
  for s in [0, .nan] { fails(TiltOptions(strength: .scaledBeta(s)), naming: "scaled beta") }
  for kl in [0, -0.5, .infinity] { fails(TiltOptions(strength: .kl(kl)), naming: "KL budget") }
  fails(TiltOptions(strength: .beta(1), threads: 0), naming: "threads")
  fails(TiltOptions(transform: try .logit(epsilon: 0), strength: .beta(0.9)), naming: "beta")
  #expect(throws: InfAlignError.self) {
    _ = try TiltWeights.compute(rewards: rewards, references: nil, options: TiltOptions(strength: .kl(1e9)))
  }
}
