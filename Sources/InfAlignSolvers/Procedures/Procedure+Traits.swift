// What the solvers and the text form need to know about each kind of procedure, as exhaustive switches: a new
// `Procedure.Kind` case does not compile until `keyword` names it, and a new `Keyword` not until every property
// below (and the parser's switch in Procedure+Parsing.swift) handles it. docs/EXTENDING.md walks through it.

extension Procedure {
  /// The name that starts a procedure's text form, one per kind.
  public enum Keyword: String, CaseIterable, Sendable {
    case standard
    case bestOf = "bon"
    case worstOf = "won"
    case orderStatistic = "order"
    case mixture = "mix"

    /// The text syntax, as shown in help and parse errors: `standard`, `bon:N`, `won:N`, `order:K:N`,
    /// `mix:W*P+W*P`.
    public var syntax: String {
      switch self {
      case .standard: "standard"
      case .bestOf: "bon:N"
      case .worstOf: "won:N"
      case .orderStatistic: "order:K:N"
      case .mixture: "mix:W*P+W*P"
      }
    }
  }

  /// Every procedure syntax, comma-separated with a final "or" (`standard, bon:N, …, order:K:N or mix:W*P+W*P`),
  /// for help texts and parse errors.
  public static var syntaxSummary: String {
    let all = Keyword.allCases.map(\.syntax)
    return all.dropLast().joined(separator: ", ") + " or " + all.last!
  }

  /// The keyword of this procedure's kind.
  public var keyword: Keyword {
    switch kind {
    case .standard: .standard
    case .bestOf: .bestOf
    case .worstOf: .worstOf
    case .orderStatistic: .orderStatistic
    case .mixture: .mixture
    }
  }

  /// Whether the optimal-transform objective `J(h) = W − β·KL` is known to be concave in the density for this
  /// procedure (MATH.md §5): true for standard sampling and best-of-N (`g'` increasing), so one start suffices;
  /// false for worst-of-N, order statistics and mixtures, for which ``OptimalTransform`` tries several starts
  /// and keeps the best stationary point.
  public var hasConcaveObjective: Bool {
    switch keyword {
    case .standard, .bestOf: true
    case .worstOf, .orderStatistic, .mixture: false
    }
  }

  /// The one-parameter transform family that suits this procedure, for tuning at a KL budget: `negexp:t` for
  /// worst-of-N (its gain is in the lower tail), `exp:t` for the others.
  public var suitedFamily: TransformFamily {
    switch keyword {
    case .worstOf: .negativeExponential
    case .standard, .bestOf, .orderStatistic, .mixture: .exponential
    }
  }
}
