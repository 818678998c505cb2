/// The text forms of the CTRL option values, shared by `infalign ctrl`'s flags and `infalign_ctrl_options_set` (so
/// the CLI, the C ABI and the Python package accept the same words and explain a bad one the same way).
///
/// An option named by one word conforms to ``CTRLOptionWord``: its table maps every accepted word to its value, the
/// first word of a value being its canonical name (the one ``CTRLOptionWord/word`` prints) and the rest aliases
/// (e.g. `rloo` and `leave-one-out`). Compound forms (`max@k:K[:BASELINE]`, `COEF[:ESTIMATOR[:CLAMP[:…]]]`,
/// `seq-mean-token-mean[:EPS[:floor-one]]`) have an `init(text:option:)` and a `text` that parses back to the value.
/// Every parse failure is ``InfAlignError/parse(kind:text:reason:)`` with `kind` the option as the caller names it
/// (`--baseline`, `ctrl option baseline`), the bad text, and the accepted forms.
public protocol CTRLOptionWord: Hashable, Sendable {
  /// Every accepted word and its value; a value's first word is its canonical name. Every value appears.
  static var wordTable: [(word: String, value: Self)] { get }
}

extension CTRLOptionWord {
  /// The canonical word of this value (first in ``wordTable``).
  public var word: String { Self.wordTable.first { $0.value == self }!.word }

  /// The canonical words, in table order (for help texts).
  public static var words: [String] {
    var seen: [Self] = []
    return wordTable.compactMap { entry in
      if seen.contains(entry.value) { return nil }
      seen.append(entry.value)
      return entry.word
    }
  }

  /// `a, b or c (also x for a)`: the canonical words of `values` (all by default), then each alias and its word.
  public static func wordList(_ values: [Self]? = nil) -> String {
    var canonical: [(word: String, value: Self)] = []
    var aliases: [String] = []
    for (word, value) in wordTable where values?.contains(value) ?? true {
      if let first = canonical.first(where: { $0.value == value }) {
        aliases.append("\(word) for \(first.word)")
      } else {
        canonical.append((word, value))
      }
    }
    let list = CTRLText.list(canonical.map(\.word))
    return aliases.isEmpty ? list : list + " (also " + aliases.joined(separator: ", ") + ")"
  }

  /// The value named by `word`, among `values` (all by default).
  /// - Throws: ``InfAlignError/parse(kind:text:reason:)`` with `kind` = `option`, naming `word` and listing the
  ///   accepted words.
  public init(word: String, option: String, among values: [Self]? = nil) throws(InfAlignError) {
    guard let entry = Self.wordTable.first(where: { $0.word == word }), values?.contains(entry.value) ?? true else {
      throw .parse(kind: option, text: word, reason: "expected \(Self.wordList(values))")
    }
    self = entry.value
  }
}

/// Shared pieces of the compound text forms.
enum CTRLText {
  /// `a, b or c`.
  static func list(_ items: [String]) -> String {
    items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " or " + items.last!
  }

  /// A finite number ≥ 0 (``CTRLOptions/validate()`` checks the tighter domains and names the option).
  /// - Throws: `.parse` when `text` is not a number; `.invalidParameter(name: option)` when negative or not finite.
  /// `whole` is the option's full text (named by the parse error), `name` the parameter a bad value is reported as.
  static func number(_ text: Substring, whole: String, option: String, name: String) throws(InfAlignError) -> Double {
    guard let x = Double(text) else { throw .parse(kind: option, text: whole, reason: "\"\(text)\" is not a number") }
    guard x.isFinite, x >= 0 else { throw .invalidParameter(name: name, value: x, reason: "must be finite and >= 0") }
    return x
  }

  static func integer(_ text: Substring, whole: String, option: String) throws(InfAlignError) -> Int {
    guard let k = Int(text), k >= 1 else {
      throw .parse(kind: option, text: whole, reason: "\"\(text)\" is not a whole number >= 1")
    }
    return k
  }
}

extension CTRLOptions.Baseline: CTRLOptionWord {
  public static var wordTable: [(word: String, value: Self)] {
    [("rloo", .leaveOneOut), ("leave-one-out", .leaveOneOut), ("group-mean", .groupMean), ("mean", .groupMean),
     ("none", .none)]
  }
}

extension CTRLOptions.KBaseline: CTRLOptionWord {
  public static var wordTable: [(word: String, value: Self)] {
    [("none", .none), ("group-mean", .groupMean), ("mean", .groupMean), ("leave-one-out", .leaveOneOut),
     ("rloo", .leaveOneOut), ("marginal", .marginal)]
  }
}

extension CTRLOptions.Scale: CTRLOptionWord {
  public static var wordTable: [(word: String, value: Self)] {
    [("none", .none), ("group", .group), ("batch", .batch), ("batch-whiten", .batchWhiten)]
  }
}

extension CTRLOptions.SingleSample: CTRLOptionWord {
  public static var wordTable: [(word: String, value: Self)] {
    [("zero", .zero), ("mean-zero-std-one", .meanZeroStdOne), ("raw", .raw)]
  }
}

extension CTRLOptions.KLEstimator: CTRLOptionWord {
  public static var wordTable: [(word: String, value: Self)] { allCases.map { ($0.rawValue, $0) } }
}

extension CTRLOptions.KLSource: CTRLOptionWord {
  public static var wordTable: [(word: String, value: Self)] {
    [("policy", .policy), ("old-policy", .oldPolicy), ("old", .oldPolicy)]
  }
}

extension CTRLOptions.KLRewardPlacement: CTRLOptionWord {
  public static var wordTable: [(word: String, value: Self)] {
    [("before-baseline", .beforeBaseline), ("before", .beforeBaseline), ("after-baseline", .afterBaseline),
     ("after", .afterBaseline)]
  }
}

extension CTRLOptions.RatioLevel: CTRLOptionWord {
  public static var wordTable: [(word: String, value: Self)] {
    [("token", .token), ("sequence-mean", .sequenceMean), ("sequence-sum", .sequenceSum),
     ("gspo-token", .sequenceMeanToken), ("sequence-mean-token", .sequenceMeanToken)]
  }
}

extension CTRLOptions.PolicyLoss: CTRLOptionWord {
  public static var wordTable: [(word: String, value: Self)] { [("ppo", .ppo), ("vanilla", .ppo), ("cispo", .cispo)] }
}

extension CTRLOptions.NonFinitePolicy: CTRLOptionWord {
  public static var wordTable: [(word: String, value: Self)] {
    [("throw", .throwError), ("error", .throwError), ("mask", .mask)]
  }
}

extension CTRLPreset.Calibration: CTRLOptionWord {
  public static var wordTable: [(word: String, value: Self)] {
    [("group", .group), ("none", .none), ("reference", .reference)]
  }
}

extension CTRLPreset: CTRLOptionWord {
  public static var wordTable: [(word: String, value: Self)] { allCases.map { ($0.rawValue, $0) } }
}

extension CTRLOptions.Estimator {
  /// An estimator without its parameters: the head word of its text form (`max@k` in `max@k:4:marginal`).
  public enum Family: CTRLOptionWord, CaseIterable {
    case standard, maxAtK, passAtK, analyticPassAtK, maxMinusSecond, bestOfNDistillation, worstOfNDistillation

    public static var wordTable: [(word: String, value: Self)] {
      [("standard", .standard), ("max@k", .maxAtK), ("pass@k", .passAtK), ("analytic-pass@k", .analyticPassAtK),
       ("max-minus-second", .maxMinusSecond), ("bon-distill", .bestOfNDistillation),
       ("bon-distillation", .bestOfNDistillation), ("won-distill", .worstOfNDistillation),
       ("won-distillation", .worstOfNDistillation)]
    }

    /// The count the family needs: `"K"` (subset size), `"N"` (distillation N) or nil.
    public var count: String? {
      switch self {
      case .standard, .maxMinusSecond: nil
      case .maxAtK, .passAtK, .analyticPassAtK: "K"
      case .bestOfNDistillation, .worstOfNDistillation: "N"
      }
    }

    /// Whether a k-subset baseline may follow the count.
    public var takesBaseline: Bool { self == .maxAtK || self == .passAtK }

    /// The text form, e.g. `max@k:K[:BASELINE]`.
    public var usage: String { word + (count.map { ":" + $0 } ?? "") + (takesBaseline ? "[:BASELINE]" : "") }

    /// The estimator of this family with `count` (ignored when the family takes none; must be ≥ 1 when it does)
    /// and `baseline` (ignored unless ``takesBaseline``).
    public func estimator(count: Int, baseline: CTRLOptions.KBaseline = .groupMean) -> CTRLOptions.Estimator {
      switch self {
      case .standard: .standard
      case .maxAtK: .maxAtK(k: count, baseline: baseline)
      case .passAtK: .passAtK(k: count, baseline: baseline)
      case .analyticPassAtK: .analyticPassAtK(k: count)
      case .maxMinusSecond: .maxMinusSecond
      case .bestOfNDistillation: .bestOfNDistillation(n: count)
      case .worstOfNDistillation: .worstOfNDistillation(n: count)
      }
    }
  }

  /// The family, count and k-subset baseline of this estimator (count 0 and `.groupMean` where they do not apply).
  public var parts: (family: Family, count: Int, baseline: CTRLOptions.KBaseline) {
    switch self {
    case .standard: (.standard, 0, .groupMean)
    case .maxAtK(let k, let b): (.maxAtK, k, b)
    case .passAtK(let k, let b): (.passAtK, k, b)
    case .analyticPassAtK(let k): (.analyticPassAtK, k, .groupMean)
    case .maxMinusSecond: (.maxMinusSecond, 0, .groupMean)
    case .bestOfNDistillation(let n): (.bestOfNDistillation, n, .groupMean)
    case .worstOfNDistillation(let n): (.worstOfNDistillation, n, .groupMean)
    }
  }

  /// Parses `standard`, `max@k:K[:BASELINE]`, `pass@k:K[:BASELINE]` (BASELINE a ``CTRLOptions/KBaseline`` word,
  /// group-mean by default), `analytic-pass@k:K`, `max-minus-second`, `bon-distill:N`, `won-distill:N`.
  /// - Throws: ``InfAlignError/parse(kind:text:reason:)`` (kind `option`) for an unknown head word, a wrong number
  ///   of parts, a count that is not a whole number ≥ 1, or an unknown baseline (kind `option k-subset baseline`).
  public init(text: String, option: String) throws(InfAlignError) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard let family = Family.wordTable.first(where: { $0.word == parts[0] })?.value else {
      throw .parse(kind: option, text: text, reason: "expected \(CTRLText.list(Family.allCases.map(\.usage)))")
    }
    let arity = 1 + (family.count == nil ? 0 : 1)
    guard parts.count == arity || (family.takesBaseline && parts.count == arity + 1) else {
      throw .parse(kind: option, text: text, reason: "expected \(family.usage)")
    }
    let count = parts.count > 1 ? try CTRLText.integer(parts[1], whole: text, option: option) : 0
    let baseline =
      parts.count > 2
      ? try CTRLOptions.KBaseline(word: String(parts[2]), option: option + " k-subset baseline") : .groupMean
    self = family.estimator(count: count, baseline: baseline)
  }

  /// The text form ``init(text:option:)`` parses back to this estimator (canonical words; the baseline always given
  /// where one applies).
  public var text: String {
    let (family, count, baseline) = parts
    return family.word + (family.count == nil ? "" : ":\(count)") + (family.takesBaseline ? ":" + baseline.word : "")
  }
}

extension CTRLOptions.KLTerm {
  /// Parses `COEF[:ESTIMATOR[:CLAMP[:straight-through]]]` (ESTIMATOR k1 by default; CLAMP a number or none);
  /// `none` is the caller's to handle (it means no term).
  /// - Throws: ``InfAlignError/parse(kind:text:reason:)`` (kind `option`, or `option KL estimator` for an unknown
  ///   estimator); ``InfAlignError/invalidParameter(name:value:reason:)`` named `name` for a negative or non-finite
  ///   number.
  public init(text: String, option: String, name: String) throws(InfAlignError) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count <= 4 else {
      throw .parse(kind: option, text: text, reason: "expected none or COEF[:ESTIMATOR[:CLAMP[:straight-through]]]")
    }
    let coefficient = try CTRLText.number(parts[0], whole: text, option: option, name: name)
    let estimator =
      parts.count > 1 ? try CTRLOptions.KLEstimator(word: String(parts[1]), option: option + " KL estimator") : .k1
    var clamp: Double? = nil
    if parts.count > 2, parts[2] != "none" {
      clamp = try CTRLText.number(parts[2], whole: text, option: option, name: name)
    }
    if parts.count > 3, parts[3] != "straight-through" {
      throw .parse(kind: option, text: text, reason: "expected straight-through after the clamp")
    }
    self.init(coefficient: coefficient, estimator: estimator, clamp: clamp, straightThrough: parts.count > 3)
  }

  /// The text form ``init(text:option:name:)`` parses back to this term (numbers in shortest round-trip digits).
  public var text: String {
    let clampText = clamp.map { "\($0)" } ?? "none"
    return "\(coefficient):\(estimator.word):\(clampText)" + (straightThrough ? ":straight-through" : "")
  }
}

extension CTRLOptions.Aggregation {
  /// Parses `token-mean`, `seq-mean-token-mean[:EPS[:floor-one]]` (EPS 1e-8 by default), `seq-mean-token-sum`,
  /// `seq-mean-token-sum-norm` (verl 0.9.1), `token-sum-norm[:per-sequence]`.
  /// - Throws: ``InfAlignError/parse(kind:text:reason:)`` (kind `option`);
  ///   ``InfAlignError/invalidParameter(name:value:reason:)`` named `name` for a negative or non-finite EPS.
  public init(text: String, option: String, name: String) throws(InfAlignError) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    switch parts[0] {
    case "token-mean" where parts.count == 1: self = .tokenMean
    case "seq-mean-token-sum" where parts.count == 1: self = .sequenceMeanTokenSum
    case "seq-mean-token-sum-norm" where parts.count == 1: self = .sequenceMeanTokenSumNormalized
    case "seq-mean-token-mean" where parts.count <= 3:
      let epsilon = parts.count > 1 ? try CTRLText.number(parts[1], whole: text, option: option, name: name) : 1e-8
      if parts.count > 2, parts[2] != "floor-one" {
        throw .parse(kind: option, text: text, reason: "expected floor-one after the length epsilon")
      }
      self = .sequenceMeanTokenMean(lengthEpsilon: epsilon, lengthFloorOne: parts.count > 2)
    case "token-sum-norm" where parts.count <= 2:
      if parts.count > 1, parts[1] != "per-sequence" {
        throw .parse(kind: option, text: text, reason: "expected per-sequence after token-sum-norm")
      }
      self = .tokenSumNormalized(perSequence: parts.count > 1)
    default:
      throw .parse(
        kind: option, text: text,
        reason: "expected token-mean, seq-mean-token-mean[:EPS[:floor-one]], seq-mean-token-sum, "
          + "seq-mean-token-sum-norm or token-sum-norm[:per-sequence]")
    }
  }

  /// The text form ``init(text:option:name:)`` parses back to this aggregation.
  public var text: String {
    switch self {
    case .tokenMean: "token-mean"
    case .sequenceMeanTokenSum: "seq-mean-token-sum"
    case .sequenceMeanTokenSumNormalized: "seq-mean-token-sum-norm"
    case .sequenceMeanTokenMean(let epsilon, let floorOne):
      "seq-mean-token-mean:\(epsilon)" + (floorOne ? ":floor-one" : "")
    case .tokenSumNormalized(let perSequence): "token-sum-norm" + (perSequence ? ":per-sequence" : "")
    }
  }
}
