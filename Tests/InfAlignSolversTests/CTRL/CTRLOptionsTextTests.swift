import InfAlignSolvers
import Testing

/// Every word of every one-word option parses to its value and back (canonical words print themselves, aliases map
/// to the same value); an unknown word is a typed parse error naming the option and the word and listing the words.
struct CTRLOptionsTextTests {
  func roundTrips<W: CTRLOptionWord>(_: W.Type, _ expected: [String]) throws {
    #expect(W.words == expected)
    for (word, value) in W.wordTable {
      #expect(try W(word: word, option: "o") == value, "\(word)")
      #expect(try W(word: value.word, option: "o") == value, "\(word)")
    }
    #expect(Set(W.wordTable.map(\.value)).count == expected.count)
    do {
      _ = try W(word: "nonsense", option: "--the-option")
      Issue.record("\(W.self): expected an error")
    } catch {
      guard case .parse(let kind, let text, let reason) = error else { Issue.record("\(error)"); return }
      #expect(kind == "--the-option" && text == "nonsense")
      for word in W.wordTable.map(\.word) { #expect(reason.contains(word), "\(reason) lists \(word)") }
    }
  }

  @Test func oneWordOptionsRoundTrip() throws {
    try roundTrips(CTRLOptions.Baseline.self, ["rloo", "group-mean", "none"])
    try roundTrips(CTRLOptions.KBaseline.self, ["none", "group-mean", "leave-one-out", "marginal"])
    try roundTrips(CTRLOptions.Scale.self, ["none", "group", "batch", "batch-whiten"])
    try roundTrips(CTRLOptions.SingleSample.self, ["zero", "mean-zero-std-one", "raw"])
    try roundTrips(CTRLOptions.KLEstimator.self, ["k1", "abs", "k2", "k3"])
    try roundTrips(CTRLOptions.KLSource.self, ["policy", "old-policy"])
    try roundTrips(CTRLOptions.KLRewardPlacement.self, ["before-baseline", "after-baseline"])
    try roundTrips(CTRLOptions.RatioLevel.self, ["token", "sequence-mean", "sequence-sum", "gspo-token"])
    try roundTrips(CTRLOptions.PolicyLoss.self, ["ppo", "cispo"])
    try roundTrips(CTRLOptions.NonFinitePolicy.self, ["throw", "mask"])
    try roundTrips(CTRLPreset.Calibration.self, ["group", "none", "reference"])
    try roundTrips(CTRLPreset.self, CTRLPreset.allCases.map(\.rawValue))
    try roundTrips(
      CTRLOptions.Estimator.Family.self,
      ["standard", "max@k", "pass@k", "analytic-pass@k", "max-minus-second", "bon-distill", "won-distill"])
  }

  @Test func aliasesAndRestrictedLists() throws {
    #expect(try CTRLOptions.Baseline(word: "leave-one-out", option: "o") == .leaveOneOut)
    #expect(try CTRLOptions.KLSource(word: "old", option: "o") == .oldPolicy)
    #expect(try CTRLOptions.KLRewardPlacement(word: "after", option: "o") == .afterBaseline)
    #expect(try CTRLOptions.NonFinitePolicy(word: "error", option: "o") == .throwError)
    #expect(
      CTRLOptions.Baseline.wordList() == "rloo, group-mean or none (also leave-one-out for rloo, mean for group-mean)")
    #expect(CTRLPreset.Calibration.wordList([.group, .none]) == "group or none")
    #expect(throws: InfAlignError.parse(kind: "c", text: "reference", reason: "expected group or none")) {
      try CTRLPreset.Calibration(word: "reference", option: "c", among: [.group, .none])
    }
  }

  @Test func estimatorsRoundTrip() throws {
    let baselines: [CTRLOptions.KBaseline] = [.none, .groupMean, .leaveOneOut, .marginal]
    var all: [CTRLOptions.Estimator] = [.standard, .maxMinusSecond, .analyticPassAtK(k: 3)]
    all += [.bestOfNDistillation(n: 4), .worstOfNDistillation(n: 2)]
    all += baselines.flatMap { [.maxAtK(k: 2, baseline: $0), .passAtK(k: 5, baseline: $0)] }
    for e in all {
      #expect(try CTRLOptions.Estimator(text: e.text, option: "e") == e, "\(e.text)")
      let (family, count, baseline) = e.parts
      #expect(family.estimator(count: count, baseline: baseline) == e)
    }
    #expect(try CTRLOptions.Estimator(text: "max@k:3", option: "e") == .maxAtK(k: 3, baseline: .groupMean))
    #expect(try CTRLOptions.Estimator(text: "bon-distillation:3", option: "e") == .bestOfNDistillation(n: 3))
    for (text, fragment) in [
      ("max@k:0", "\"0\" is not a whole number >= 1"), ("max@k", "expected max@k:K[:BASELINE]"),
      ("standard:1", "expected standard"), ("bon-distill:2:none", "expected bon-distill:N"),
      ("ppo", "expected standard, max@k:K[:BASELINE], pass@k:K[:BASELINE], analytic-pass@k:K, max-minus-second, "
        + "bon-distill:N or won-distill:N"),
      ("pass@k:2:best", "cannot parse e k-subset baseline \"best\": expected none, group-mean, leave-one-out or"),
    ] {
      do {
        _ = try CTRLOptions.Estimator(text: text, option: "e")
        Issue.record("\(text): expected an error")
      } catch {
        guard case .parse = error else { Issue.record("\(error)"); continue }
        #expect("\(error)".contains(fragment), "\(error)")
      }
    }
  }

  @Test func klTermsAndAggregationsRoundTrip() throws {
    for term in [
      CTRLOptions.KLTerm(coefficient: 0.1, estimator: .k3, clamp: 10, straightThrough: true),
      .init(coefficient: 0.04, estimator: .abs), .init(coefficient: 1e-3, estimator: .k2, clamp: 0.5),
    ] {
      #expect(try CTRLOptions.KLTerm(text: term.text, option: "kl", name: "kl") == term, "\(term.text)")
    }
    #expect(try CTRLOptions.KLTerm(text: "0.5", option: "kl", name: "kl") == .init(coefficient: 0.5, estimator: .k1))
    #expect(throws: InfAlignError.invalidParameter(name: "kl", value: -1, reason: "must be finite and >= 0")) {
      try CTRLOptions.KLTerm(text: "-1:k1", option: "ctrl option kl", name: "kl")
    }
    for aggregation in [
      CTRLOptions.Aggregation.tokenMean, .sequenceMeanTokenSum, .tokenSumNormalized(perSequence: true),
      .tokenSumNormalized(perSequence: false), .sequenceMeanTokenMean(lengthEpsilon: 1e-6, lengthFloorOne: true),
      .sequenceMeanTokenMean(lengthEpsilon: 0, lengthFloorOne: false), .sequenceMeanTokenSumNormalized,
    ] {
      #expect(try CTRLOptions.Aggregation(text: aggregation.text, option: "a", name: "a") == aggregation)
    }
    #expect(
      try CTRLOptions.Aggregation(text: "seq-mean-token-mean", option: "a", name: "a")
        == .sequenceMeanTokenMean(lengthEpsilon: 1e-8, lengthFloorOne: false))
    for bad in ["median", "token-mean:1", "token-sum-norm:all", "seq-mean-token-sum-norm:1", "seq-mean-token-mean:x", "seq-mean-token-mean:1:2"] {
      #expect(throws: InfAlignError.self, "\(bad)") { try CTRLOptions.Aggregation(text: bad, option: "a", name: "a") }
    }
  }
}
