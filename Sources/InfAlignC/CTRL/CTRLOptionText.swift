import InfAlignSolvers

/// The text forms of CTRL option values accepted by `infalign_ctrl_options_set` (one parser per option kind). Each
/// throws ``InfAlignError/parse(kind:text:reason:)`` naming the option and saying what was expected.
struct CTRLOptionText {
  let key: String
  let value: String

  func fail(_ reason: String) -> InfAlignError { .parse(kind: "ctrl option \(key)", text: value, reason: reason) }

  func flag() throws(InfAlignError) -> Bool {
    switch value {
    case "true", "1", "yes": return true
    case "false", "0", "no": return false
    default: throw fail("expected true or false")
    }
  }

  /// A finite number ≥ 0 (the library's validation checks the tighter domains and names the option).
  func number(_ text: String? = nil) throws(InfAlignError) -> Double {
    let text = text ?? value
    guard let x = Double(text) else { throw fail("\"\(text)\" is not a number") }
    guard x.isFinite, x >= 0 else { throw .invalidParameter(name: key, value: x, reason: "must be finite and >= 0") }
    return x
  }

  /// A number, or nil for `none`.
  func optionalNumber() throws(InfAlignError) -> Double? { value == "none" ? nil : try number() }

  func integer(_ text: Substring) throws(InfAlignError) -> Int {
    guard let k = Int(text), k >= 1 else { throw fail("\"\(text)\" is not a whole number >= 1") }
    return k
  }

  func baseline() throws(InfAlignError) -> CTRLOptions.Baseline {
    switch value {
    case "rloo", "leave-one-out": return .leaveOneOut
    case "group-mean", "mean": return .groupMean
    case "none": return .none
    default: throw fail("expected rloo (leave-one-out), group-mean or none")
    }
  }

  func scale() throws(InfAlignError) -> CTRLOptions.Scale {
    switch value {
    case "none": return .none
    case "group": return .group
    case "batch": return .batch
    case "batch-whiten": return .batchWhiten
    default: throw fail("expected none, group, batch or batch-whiten")
    }
  }

  func singleSample() throws(InfAlignError) -> CTRLOptions.SingleSample {
    switch value {
    case "zero": return .zero
    case "mean-zero-std-one": return .meanZeroStdOne
    case "raw": return .raw
    default: throw fail("expected zero, mean-zero-std-one or raw")
    }
  }

  /// `standard`, `max@k:K[:BASELINE]`, `pass@k:K[:BASELINE]` (BASELINE none, group-mean (default),
  /// leave-one-out, marginal), `analytic-pass@k:K`, `max-minus-second`, `bon-distill:N`, `won-distill:N`.
  func estimator() throws(InfAlignError) -> CTRLOptions.Estimator {
    let parts = value.split(separator: ":", omittingEmptySubsequences: false)
    func kBaseline() throws(InfAlignError) -> CTRLOptions.KBaseline {
      guard parts.count == 3 else { return .groupMean }
      switch parts[2] {
      case "none": return .none
      case "group-mean", "mean": return .groupMean
      case "leave-one-out", "rloo": return .leaveOneOut
      case "marginal": return .marginal
      default: throw fail("k-subset baseline \"\(parts[2])\": expected none, group-mean, leave-one-out or marginal")
      }
    }
    func arity(_ allowed: ClosedRange<Int>, _ usage: String) throws(InfAlignError) {
      if !allowed.contains(parts.count) { throw fail("expected \(usage)") }
    }
    switch parts[0] {
    case "standard":
      try arity(1...1, "standard")
      return .standard
    case "max@k":
      try arity(2...3, "max@k:K[:BASELINE]")
      return .maxAtK(k: try integer(parts[1]), baseline: try kBaseline())
    case "pass@k":
      try arity(2...3, "pass@k:K[:BASELINE]")
      return .passAtK(k: try integer(parts[1]), baseline: try kBaseline())
    case "analytic-pass@k":
      try arity(2...2, "analytic-pass@k:K")
      return .analyticPassAtK(k: try integer(parts[1]))
    case "max-minus-second":
      try arity(1...1, "max-minus-second")
      return .maxMinusSecond
    case "bon-distill":
      try arity(2...2, "bon-distill:N")
      return .bestOfNDistillation(n: try integer(parts[1]))
    case "won-distill":
      try arity(2...2, "won-distill:N")
      return .worstOfNDistillation(n: try integer(parts[1]))
    default:
      throw fail(
        "expected standard, max@k:K[:BASELINE], pass@k:K[:BASELINE], analytic-pass@k:K, max-minus-second, "
          + "bon-distill:N or won-distill:N")
    }
  }

  /// `none` or `COEF[:ESTIMATOR[:CLAMP[:straight-through]]]` (ESTIMATOR k1 (default), abs, k2, k3; CLAMP a number
  /// or none).
  func klTerm() throws(InfAlignError) -> CTRLOptions.KLTerm? {
    if value == "none" { return nil }
    let parts = value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard parts.count <= 4 else { throw fail("expected none or COEF[:ESTIMATOR[:CLAMP[:straight-through]]]") }
    let coefficient = try number(parts[0])
    var estimator = CTRLOptions.KLEstimator.k1
    if parts.count > 1 {
      guard let e = CTRLOptions.KLEstimator(rawValue: parts[1]) else {
        throw fail("KL estimator \"\(parts[1])\": expected k1, abs, k2 or k3")
      }
      estimator = e
    }
    var clamp: Double? = nil
    if parts.count > 2, parts[2] != "none" { clamp = try number(parts[2]) }
    var straightThrough = false
    if parts.count > 3 {
      guard parts[3] == "straight-through" else { throw fail("expected straight-through after the clamp") }
      straightThrough = true
    }
    return .init(coefficient: coefficient, estimator: estimator, clamp: clamp, straightThrough: straightThrough)
  }

  func klSource() throws(InfAlignError) -> CTRLOptions.KLSource {
    switch value {
    case "policy": return .policy
    case "old-policy": return .oldPolicy
    default: throw fail("expected policy or old-policy")
    }
  }

  func klPlacement() throws(InfAlignError) -> CTRLOptions.KLRewardPlacement {
    switch value {
    case "before-baseline": return .beforeBaseline
    case "after-baseline": return .afterBaseline
    default: throw fail("expected before-baseline or after-baseline")
    }
  }

  func ratioLevel() throws(InfAlignError) -> CTRLOptions.RatioLevel {
    switch value {
    case "token": return .token
    case "sequence-mean": return .sequenceMean
    case "sequence-sum": return .sequenceSum
    default: throw fail("expected token, sequence-mean or sequence-sum")
    }
  }

  /// `token-mean`, `seq-mean-token-mean[:EPS[:floor-one]]`, `seq-mean-token-sum`, `token-sum-norm[:per-sequence]`.
  func aggregation() throws(InfAlignError) -> CTRLOptions.Aggregation {
    let parts = value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    switch parts[0] {
    case "token-mean" where parts.count == 1: return .tokenMean
    case "seq-mean-token-sum" where parts.count == 1: return .sequenceMeanTokenSum
    case "seq-mean-token-mean" where parts.count <= 3:
      let epsilon = parts.count > 1 ? try number(parts[1]) : 1e-8
      if parts.count > 2, parts[2] != "floor-one" { throw fail("expected floor-one after the length epsilon") }
      return .sequenceMeanTokenMean(lengthEpsilon: epsilon, lengthFloorOne: parts.count > 2)
    case "token-sum-norm" where parts.count <= 2:
      if parts.count > 1, parts[1] != "per-sequence" { throw fail("expected per-sequence after token-sum-norm") }
      return .tokenSumNormalized(perSequence: parts.count > 1)
    default:
      throw fail(
        "expected token-mean, seq-mean-token-mean[:EPS[:floor-one]], seq-mean-token-sum or "
          + "token-sum-norm[:per-sequence]")
    }
  }

  func nonFinite() throws(InfAlignError) -> CTRLOptions.NonFinitePolicy {
    switch value {
    case "throw", "error": return .throwError
    case "mask": return .mask
    default: throw fail("expected throw or mask")
    }
  }

  func calibration() throws(InfAlignError) -> CTRLPreset.Calibration {
    switch value {
    case "group": return .group
    case "none": return .none
    default: throw fail("expected group or none (reference calibration: pass a table to the step)")
    }
  }
}
