import ArgumentParser
import InfAlignSolvers

/// The `infalign ctrl` flags: each names a ``CTRLOptions`` member and has its meaning; given flags override the
/// preset's value.
struct CTRLFlags: ParsableArguments {
  typealias Family = CTRLOptions.Estimator.Family
  static let aggregationForms =
    "token-mean, seq-mean-token-mean[:EPS[:floor-one]], seq-mean-token-sum, seq-mean-token-sum-norm, "
    + "token-sum-norm[:per-sequence]"

  @Flag(help: "Smoothed calibration (count + 1/2)/(M + 1).") var smooth = false
  @Option(help: "Advantage estimator: \(Family.wordList()).", transform: word("--estimator"))
  var estimator: Family?
  @Option(help: "k of the max@k / pass@k estimators.") var k: Int?
  @Option(
    help: "Baseline of the k-subset estimators: \(CTRLOptions.KBaseline.wordList()).", transform: word("--k-baseline"))
  var kBaseline: CTRLOptions.KBaseline = .groupMean
  @Option(help: "N of the best/worst-of-N distillation estimators.") var n: Int?
  @Option(help: "Baseline: \(CTRLOptions.Baseline.wordList()).", transform: word("--baseline"))
  var baseline: CTRLOptions.Baseline?
  @Option(help: "Advantage scaling: \(CTRLOptions.Scale.wordList()).", transform: word("--scale"))
  var scale: CTRLOptions.Scale?
  @Flag(inversion: .prefixedNo, help: "Bessel's correction in every std.") var besselStd: Bool?
  @Option(help: "Added to the std before dividing.") var stdEpsilon: Double?
  @Option(help: "Lower bound of std + epsilon.") var stdFloor: Double?
  @Option(
    help: "Advantage of a lone sample: zero, mean-zero-std-one (verl grpo), raw (verl rloo).",
    transform: word("--single-sample"))
  var singleSample: CTRLOptions.SingleSample?
  @Option(help: "Clamp of F and 1 − F before the distillation log.") var distillationEpsilon: Double?
  @Option(help: "KL-in-reward coefficient β (0 turns it off).") var klRewardCoefficient: Double?
  @Option(
    help: "KL-in-reward estimator: \(CTRLOptions.KLEstimator.wordList()).", transform: word("--kl-reward-estimator"))
  var klRewardEstimator: CTRLOptions.KLEstimator?
  @Option(help: "Clamp of each KL-in-reward estimate (e.g. 10).") var klRewardClamp: Double?
  @Option(
    help: "KL-in-reward measured from: \(CTRLOptions.KLSource.wordList()).", transform: word("--kl-reward-source"))
  var klRewardSource: CTRLOptions.KLSource?
  @Option(
    help: "KL-in-reward placed: \(CTRLOptions.KLRewardPlacement.wordList()).",
    transform: word("--kl-reward-placement"))
  var klRewardPlacement: CTRLOptions.KLRewardPlacement?
  @Option(help: "KL loss coefficient (0 turns it off).") var klLossCoefficient: Double?
  @Option(help: "KL loss estimator: \(CTRLOptions.KLEstimator.wordList()).", transform: word("--kl-loss-estimator"))
  var klLossEstimator: CTRLOptions.KLEstimator?
  @Option(help: "Clamp of each KL loss estimate (verl low_var_kl: 10).") var klLossClamp: Double?
  @Flag(help: "Straight-through KL loss gradient (verl k3+).") var klLossStraightThrough = false
  @Flag(inversion: .prefixedNo, help: "KL loss × the importance ratio π/π_old (TRL use_bias_correction_kl).")
  var klLossRatioWeight: Bool?
  @Option(help: "Both PPO clip ranges ε.") var clipEpsilon: Double?
  @Option(help: "Lower PPO clip range.") var clipLow: Double?
  @Option(help: "Upper PPO clip range.") var clipHigh: Double?
  @Option(help: "Dual-clip constant c > 1, or none.") var dualClip: String?
  @Option(help: "TRL's ratio cap δ, or none.") var ratioCap: String?
  @Option(help: "Log-ratio clamp before exp, or none.") var logRatioClamp: String?
  @Option(
    help: "PPO ratio per token or per sequence: \(CTRLOptions.RatioLevel.wordList()).", transform: word("--ratio-level"))
  var ratioLevel: CTRLOptions.RatioLevel?
  @Option(help: "Policy loss: \(CTRLOptions.PolicyLoss.wordList()).", transform: word("--policy-loss"))
  var policyLoss: CTRLOptions.PolicyLoss?
  @Option(
    help: "Loss aggregation: \(aggregationForms).",
    transform: { try .init(text: $0, option: "--aggregation", name: "--aggregation") })
  var aggregation: CTRLOptions.Aggregation?
  @Option(help: "Non-finite inputs: \(CTRLOptions.NonFinitePolicy.wordList()).", transform: word("--non-finite"))
  var nonFinite: CTRLOptions.NonFinitePolicy?

  /// The preset's options with every given flag applied.
  func apply(to base: CTRLOptions, transform: Transform?) throws -> CTRLOptions {
    var o = base
    if let transform { o.transform = transform }
    if smooth { o.smoothing = true }
    if let estimator {
      var count = 0
      if let name = estimator.count {
        guard let given = name == "K" ? k : n else {
          throw ValidationError("--estimator \(estimator.word) needs --\(name.lowercased())")
        }
        count = given
      }
      o.estimator = estimator.estimator(count: count, baseline: kBaseline)
    }
    if let baseline { o.baseline = baseline }
    if let scale { o.scale = scale }
    if let besselStd { o.besselStd = besselStd }
    if let stdEpsilon { o.stdEpsilon = stdEpsilon }
    if let stdFloor { o.stdFloor = stdFloor }
    if let singleSample { o.singleSample = singleSample }
    if let distillationEpsilon { o.distillationEpsilon = distillationEpsilon }
    o.klReward = term(o.klReward, klRewardCoefficient, klRewardEstimator, klRewardClamp, false)
    if let klRewardSource { o.klRewardSource = klRewardSource }
    if let klRewardPlacement { o.klRewardPlacement = klRewardPlacement }
    o.klLoss = term(o.klLoss, klLossCoefficient, klLossEstimator, klLossClamp, klLossStraightThrough)
    if let klLossRatioWeight { o.klLossRatioWeighted = klLossRatioWeight }
    if let clipEpsilon { (o.clipLow, o.clipHigh) = (clipEpsilon, clipEpsilon) }
    if let clipLow { o.clipLow = clipLow }
    if let clipHigh { o.clipHigh = clipHigh }
    if let dualClip { o.dualClip = try optionalNumber(dualClip, "--dual-clip") }
    if let ratioCap { o.ratioCap = try optionalNumber(ratioCap, "--ratio-cap") }
    if let logRatioClamp { o.logRatioClamp = try optionalNumber(logRatioClamp, "--log-ratio-clamp") }
    if let ratioLevel { o.ratioLevel = ratioLevel }
    if let policyLoss { o.policyLoss = policyLoss }
    if let aggregation { o.aggregation = aggregation }
    if let nonFinite { o.nonFinite = nonFinite }
    do {
      try o.validate()
    } catch {
      throw ValidationError("\(error)")
    }
    return o
  }

  /// A KL term with the given flags applied (a coefficient of 0 removes it).
  private func term(
    _ base: CTRLOptions.KLTerm?, _ coefficient: Double?, _ estimator: CTRLOptions.KLEstimator?, _ clamp: Double?,
    _ straightThrough: Bool
  ) -> CTRLOptions.KLTerm? {
    var t = base ?? .init(coefficient: 0, estimator: .k1)
    if let coefficient { t.coefficient = coefficient }
    if let estimator { t.estimator = estimator }
    if let clamp { t.clamp = clamp }
    if straightThrough { t.straightThrough = true }
    return t.coefficient == 0 && t.coefficient.isFinite ? nil : t
  }

  private func optionalNumber(_ text: String, _ flag: String) throws -> Double? {
    if text == "none" { return nil }
    guard let x = Double(text) else { throw ValidationError("\(flag) must be a number or none, got \"\(text)\"") }
    return x
  }

  /// An option's parse of its one-word values (``CTRLOptionWord``), its errors naming `flag`.
  static func word<W: CTRLOptionWord>(_ flag: String) -> @Sendable (String) throws -> W {
    { text in try W(word: text, option: flag) }
  }
}
