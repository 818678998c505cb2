import InfAlignSolvers
import Testing

@testable import infalign

/// The `infalign ctrl` flags read the library's option words (``CTRLOptionWord``): the CLI's own words of before
/// (`old`, `before`/`after`, `bon-distillation`, `throw`) still parse, the C ABI's spellings now do too, and a bad
/// word is refused with the flag, the word and the accepted words.
@Test func ctrlFlagsReadTheSharedWords() throws {
  let flags = try CTRLFlags.parse([
    "--baseline", "group-mean", "--scale", "batch-whiten", "--single-sample", "raw", "--estimator",
    "bon-distillation", "--n", "3", "--kl-reward-coefficient", "0.1", "--kl-reward-estimator", "k2",
    "--kl-reward-source", "old", "--kl-reward-placement", "after", "--non-finite", "mask", "--aggregation",
    "token-sum-norm",
  ])
  let o = try flags.apply(to: CTRLOptions(), transform: nil)
  #expect(o.baseline == .groupMean && o.scale == .batchWhiten && o.singleSample == .raw)
  #expect(o.estimator == .bestOfNDistillation(n: 3) && o.klReward == .init(coefficient: 0.1, estimator: .k2))
  #expect(o.klRewardSource == .oldPolicy && o.klRewardPlacement == .afterBaseline && o.nonFinite == .mask)
  #expect(o.aggregation == .tokenSumNormalized(perSequence: false))
  let subset = try CTRLFlags.parse(["--estimator", "pass@k", "--k", "4", "--k-baseline", "marginal"])
  #expect(try subset.apply(to: CTRLOptions(), transform: nil).estimator == .passAtK(k: 4, baseline: .marginal))
  #expect(throws: (any Error).self) { try CTRLFlags.parse(["--estimator", "max@k"]).apply(to: .init(), transform: nil) }
  do {
    _ = try CTRLFlags.parse(["--scale", "global"])
    Issue.record("expected an error")
  } catch {
    let message = CTRLFlags.message(for: error)
    #expect(message.contains("--scale"), "\(message)")
    #expect(message.contains("expected none, group, batch or batch-whiten"), "\(message)")
  }
}

/// The command line sets every option of the registry (``CTRLOptionKey/commandLineFlags``), and every option flag of
/// `infalign ctrl` sets one of its options.
@Test func ctrlFlagsCoverTheOptionRegistry() {
  let help = CTRLCommand.helpMessage(columns: 400)
  let flags = Set(help.split { $0 == " " || $0 == "\n" || $0 == "," || $0 == "<" || $0 == "[" || $0 == "]" || $0 == "/" }
    .filter { $0.hasPrefix("--") }.map(String.init))
  let registry = Set(CTRLOptionKey.allCases.flatMap(\.commandLineFlags))
  for key in CTRLOptionKey.allCases {
    for flag in key.commandLineFlags {
      #expect(flags.contains(flag), "\(key.rawValue): infalign ctrl has no \(flag)")
    }
  }
  let own: Set<String> = ["--input", "--output", "--format", "--help", "--version", "--no-bessel-std"]
  for flag in flags.subtracting(own) {
    #expect(registry.contains(flag), "infalign ctrl \(flag) sets no CTRLOptionKey")
  }
  // The same value by key and by flag gives the same options.
  var byKey = CTRLOptions(), calibration = CTRLPreset.Calibration.group
  try? CTRLOptionKey.ratioLevel.apply("sequence-mean", to: &byKey, calibration: &calibration)
  let byFlag = try? CTRLFlags.parse(["--ratio-level", "sequence-mean"]).apply(to: CTRLOptions(), transform: nil)
  #expect(byFlag?.ratioLevel == byKey.ratioLevel && byKey.ratioLevel == .sequenceMean)
}
