// The text form of each kind of transform, as exhaustive switches: a new `Transform.Kind` case does not compile
// until `keyword` handles it, and a new `Keyword` not until its syntax and the parser's switch
// (Transform+Parsing.swift) do. docs/EXTENDING.md walks through it.

extension Transform {
  /// The name that starts a transform's text form.
  public enum Keyword: String, CaseIterable, Sendable {
    case identity
    case exponential = "exp"
    case negativeExponential = "negexp"
    case log
    case logit
    case power
    /// A table read from a CSV file by the caller (``Transform/tabulated(csv:source:)``), never parsed here.
    case table

    /// The text syntax, as shown in help and parse errors: `identity`, `exp:T`, `negexp:T`, `log[:EPS]`,
    /// `logit[:EPS]`, `power:P`, `table:FILE`.
    public var syntax: String {
      switch self {
      case .identity: "identity"
      case .exponential: "exp:T"
      case .negativeExponential: "negexp:T"
      case .log: "log[:EPS]"
      case .logit: "logit[:EPS]"
      case .power: "power:P"
      case .table: "table:FILE"
      }
    }

    /// Whether ``Transform/init(parsing:)`` builds this kind from its text (a table file is read by the caller).
    public var isParsed: Bool {
      switch self {
      case .identity, .exponential, .negativeExponential, .log, .logit, .power: true
      case .table: false
      }
    }
  }

  /// The syntaxes ``init(parsing:)`` accepts, comma-separated (`identity, exp:T, …, power:P`).
  public static var syntaxSummary: String {
    Keyword.allCases.filter(\.isParsed).map(\.syntax).joined(separator: ", ")
  }

  /// The keyword of this transform's kind; `nil` for a custom closure, which has no text form.
  public var keyword: Keyword? {
    switch kind {
    case .identity: .identity
    case .exponential: .exponential
    case .negativeExponential: .negativeExponential
    case .log: .log
    case .logit: .logit
    case .power: .power
    case .custom: nil
    case .tabulated: .table
    }
  }
}
