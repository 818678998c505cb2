import ArgumentParser
import InfAlignSolvers

/// The `infalign ctrl` flags: each names a ``CTRLOptions`` member and has its meaning; given flags override the
/// preset's value.
struct CTRLFlags: ParsableArguments {
  enum Baseline: String, ExpressibleByArgument, CaseIterable { case rloo, groupMean = "group-mean", none }
  enum Scale: String, ExpressibleByArgument, CaseIterable {
    case none, group, batch, batchWhiten = "batch-whiten"
  }
  enum SingleSample: String, ExpressibleByArgument, CaseIterable {
    case zero, meanZeroStdOne = "mean-zero-std-one", raw
  }
  enum Estimator: String, ExpressibleByArgument, CaseIterable {
    case standard, maxAtK = "max@k", passAtK = "pass@k", analyticPassAtK = "analytic-pass@k"
    case maxMinusSecond = "max-minus-second", bestOfN = "bon-distillation", worstOfN = "won-distillation"
  }
  enum KBaseline: String, ExpressibleByArgument, CaseIterable {
    case none, groupMean = "group-mean", leaveOneOut = "leave-one-out", marginal
  }
  enum KL: String, ExpressibleByArgument, CaseIterable {
    case k1, abs, k2, k3
    var estimator: CTRLOptions.KLEstimator { CTRLOptions.KLEstimator(rawValue: rawValue)! }
  }
  enum KLSource: String, ExpressibleByArgument, CaseIterable { case policy, old }
  enum Placement: String, ExpressibleByArgument, CaseIterable { case before, after }
  enum Aggregation: String, ExpressibleByArgument, CaseIterable {
    case tokenMean = "token-mean", seqMeanTokenMean = "seq-mean-token-mean", seqMeanTokenSum = "seq-mean-token-sum"
    case tokenSumNorm = "token-sum-norm"
  }
  enum NonFinite: String, ExpressibleByArgument, CaseIterable { case `throw`, mask }

  @Flag(help: "Smoothed calibration (count + 1/2)/(M + 1).") var smooth = false
  @Option(help: "Advantage estimator: \(Estimator.allCases.map(\.rawValue).joined(separator: ", ")).")
  var estimator: Estimator?
  @Option(help: "k of the max@k / pass@k estimators.") var k: Int?
  @Option(help: "Baseline of the k-subset estimators: none, group-mean, leave-one-out, marginal.")
  var kBaseline: KBaseline = .groupMean
  @Option(help: "N of the best/worst-of-N distillation estimators.") var n: Int?
  @Option(help: "Baseline: rloo, group-mean or none.") var baseline: Baseline?
  @Option(help: "Advantage scaling: none, group, batch, batch-whiten.") var scale: Scale?
  @Flag(inversion: .prefixedNo, help: "Bessel's correction in every std.") var besselStd: Bool?
  @Option(help: "Added to the std before dividing.") var stdEpsilon: Double?
  @Option(help: "Lower bound of std + epsilon.") var stdFloor: Double?
  @Option(help: "Advantage of a lone sample: zero, mean-zero-std-one (verl grpo), raw (verl rloo).")
  var singleSample: SingleSample?
  @Option(help: "Clamp of F and 1 − F before the distillation log.") var distillationEpsilon: Double?
  @Option(help: "KL-in-reward coefficient β (0 turns it off).") var klRewardCoefficient: Double?
  @Option(help: "KL-in-reward estimator: k1, abs, k2, k3.") var klRewardEstimator: KL?
  @Option(help: "Clamp of each KL-in-reward estimate (e.g. 10).") var klRewardClamp: Double?
  @Option(help: "KL-in-reward measured from: policy or old.") var klRewardSource: KLSource?
  @Option(help: "KL-in-reward placed before or after the baseline.") var klRewardPlacement: Placement?
  @Option(help: "KL loss coefficient (0 turns it off).") var klLossCoefficient: Double?
  @Option(help: "KL loss estimator: k1, abs, k2, k3.") var klLossEstimator: KL?
  @Option(help: "Clamp of each KL loss estimate (verl low_var_kl: 10).") var klLossClamp: Double?
  @Flag(help: "Straight-through KL loss gradient (verl k3+).") var klLossStraightThrough = false
  @Option(help: "Both PPO clip ranges ε.") var clipEpsilon: Double?
  @Option(help: "Lower PPO clip range.") var clipLow: Double?
  @Option(help: "Upper PPO clip range.") var clipHigh: Double?
  @Option(help: "Dual-clip constant c > 1, or none.") var dualClip: String?
  @Option(help: "TRL's ratio cap δ, or none.") var ratioCap: String?
  @Option(help: "Log-ratio clamp before exp, or none.") var logRatioClamp: String?
  @Option(help: "Loss aggregation: token-mean, seq-mean-token-mean, seq-mean-token-sum, token-sum-norm.")
  var aggregation: Aggregation?
  @Option(help: "Non-finite inputs: throw or mask.") var nonFinite: NonFinite?

  /// The preset's options with every given flag applied.
  func apply(to base: CTRLOptions, transform: Transform?) throws -> CTRLOptions {
    var o = base
    if let transform { o.transform = transform }
    if smooth { o.smoothing = true }
    if let estimator {
      func needK() throws -> Int {
        guard let k else { throw ValidationError("--estimator \(estimator.rawValue) needs --k") }
        return k
      }
      func needN() throws -> Int {
        guard let n else { throw ValidationError("--estimator \(estimator.rawValue) needs --n") }
        return n
      }
      let kb: CTRLOptions.KBaseline =
        switch kBaseline {
        case .none: .none
        case .groupMean: .groupMean
        case .leaveOneOut: .leaveOneOut
        case .marginal: .marginal
        }
      switch estimator {
      case .standard: o.estimator = .standard
      case .maxAtK: o.estimator = .maxAtK(k: try needK(), baseline: kb)
      case .passAtK: o.estimator = .passAtK(k: try needK(), baseline: kb)
      case .analyticPassAtK: o.estimator = .analyticPassAtK(k: try needK())
      case .maxMinusSecond: o.estimator = .maxMinusSecond
      case .bestOfN: o.estimator = .bestOfNDistillation(n: try needN())
      case .worstOfN: o.estimator = .worstOfNDistillation(n: try needN())
      }
    }
    if let baseline {
      o.baseline = baseline == .rloo ? .leaveOneOut : baseline == .groupMean ? .groupMean : .none
    }
    if let scale {
      o.scale = switch scale {
      case .none: .none
      case .group: .group
      case .batch: .batch
      case .batchWhiten: .batchWhiten
      }
    }
    if let besselStd { o.besselStd = besselStd }
    if let stdEpsilon { o.stdEpsilon = stdEpsilon }
    if let stdFloor { o.stdFloor = stdFloor }
    if let singleSample {
      o.singleSample = singleSample == .zero ? .zero : singleSample == .raw ? .raw : .meanZeroStdOne
    }
    if let distillationEpsilon { o.distillationEpsilon = distillationEpsilon }
    o.klReward = term(o.klReward, klRewardCoefficient, klRewardEstimator, klRewardClamp, false)
    if let klRewardSource { o.klRewardSource = klRewardSource == .old ? .oldPolicy : .policy }
    if let klRewardPlacement { o.klRewardPlacement = klRewardPlacement == .after ? .afterBaseline : .beforeBaseline }
    o.klLoss = term(o.klLoss, klLossCoefficient, klLossEstimator, klLossClamp, klLossStraightThrough)
    if let clipEpsilon { (o.clipLow, o.clipHigh) = (clipEpsilon, clipEpsilon) }
    if let clipLow { o.clipLow = clipLow }
    if let clipHigh { o.clipHigh = clipHigh }
    if let dualClip { o.dualClip = try optionalNumber(dualClip, "--dual-clip") }
    if let ratioCap { o.ratioCap = try optionalNumber(ratioCap, "--ratio-cap") }
    if let logRatioClamp { o.logRatioClamp = try optionalNumber(logRatioClamp, "--log-ratio-clamp") }
    if let aggregation {
      o.aggregation = switch aggregation {
      case .tokenMean: .tokenMean
      case .seqMeanTokenMean: .sequenceMeanTokenMean(lengthEpsilon: 1e-8, lengthFloorOne: false)
      case .seqMeanTokenSum: .sequenceMeanTokenSum
      case .tokenSumNorm: .tokenSumNormalized(perSequence: false)
      }
    }
    if let nonFinite { o.nonFinite = nonFinite == .mask ? .mask : .throwError }
    do {
      try o.validate()
    } catch {
      throw ValidationError("\(error)")
    }
    return o
  }

  /// A KL term with the given flags applied (a coefficient of 0 removes it).
  private func term(
    _ base: CTRLOptions.KLTerm?, _ coefficient: Double?, _ estimator: KL?, _ clamp: Double?,
    _ straightThrough: Bool
  ) -> CTRLOptions.KLTerm? {
    var t = base ?? .init(coefficient: 0, estimator: .k1)
    if let coefficient { t.coefficient = coefficient }
    if let estimator { t.estimator = estimator.estimator }
    if let clamp { t.clamp = clamp }
    if straightThrough { t.straightThrough = true }
    return t.coefficient == 0 && t.coefficient.isFinite ? nil : t
  }

  private func optionalNumber(_ text: String, _ flag: String) throws -> Double? {
    if text == "none" { return nil }
    guard let x = Double(text) else { throw ValidationError("\(flag) must be a number or none, got \"\(text)\"") }
    return x
  }
}

