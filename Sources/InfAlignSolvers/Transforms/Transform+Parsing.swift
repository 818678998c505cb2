extension Transform {
  /// The text form: `identity`, `exp:T`, `negexp:T`, `log`, `log:EPS`, `log:none`, `logit`, `logit:EPS`,
  /// `logit:none`, `power:P`.
  ///
  /// Parameters are printed in Swift's shortest round-trip form, so `Transform(parsing: t.description)` rebuilds
  /// exactly the same parameters. `log` and `logit` print without a parameter when `ε` is ``defaultEpsilon``, and
  /// as `:none` when `ε = 0`. A custom transform prints its name and a table `table:SOURCE` (or `table(m points)`
  /// without a source); neither parses back (a table file is read by the caller, see ``tabulated(csv:source:)``).
  public var description: String {
    switch kind {
    case .identity: return "identity"
    case let .exponential(t): return "exp:\(t)"
    case let .negativeExponential(t): return "negexp:\(t)"
    case let .log(epsilon): return "log" + Transform.epsilonSuffix(epsilon)
    case let .logit(epsilon): return "logit" + Transform.epsilonSuffix(epsilon)
    case let .power(p): return "power:\(p)"
    case let .custom(c): return c.name
    case let .tabulated(table):
      if let source = table.source { return "table:\(source)" }
      return "table(\(table.grid.count) points)"
    }
  }

  private static func epsilonSuffix(_ epsilon: Double) -> String {
    if epsilon == defaultEpsilon { return "" }
    if epsilon == 0 { return ":none" }
    return ":\(epsilon)"
  }

  /// Parses the text form printed by ``description``: `identity`, `exp:T`, `negexp:T`, `log[:EPS|:none]`,
  /// `logit[:EPS|:none]`, `power:P`.
  ///
  /// Names are lowercase; whitespace around the text and around the parameter is ignored. Numbers use Swift's
  /// `Double(String)` syntax (`2`, `2.5`, `1e-6`).
  /// - Throws: ``InfAlignError/parse(kind:text:reason:)`` with kind `"transform"` naming the whole text, for an
  ///   unknown name, a missing, extra or malformed parameter, or a parameter outside its domain (the reason then
  ///   quotes the constructor's message). `table:FILE` and `optimal` are rejected with a reason that says they are
  ///   resolved by the caller.
  public init(parsing text: String) throws(InfAlignError) {
    let trimmed = text.trimmingSpaces()
    func fail(_ reason: String) -> InfAlignError { .parse(kind: "transform", text: text, reason: reason) }
    let name: Substring, parameter: Substring?
    if let colon = trimmed.firstIndex(of: ":") {
      name = trimmed[..<colon].trimmingSpaces()
      parameter = trimmed[trimmed.index(after: colon)...].trimmingSpaces()
    } else {
      name = trimmed
      parameter = nil
    }
    func number(_ what: String) throws(InfAlignError) -> Double {
      guard let parameter else { throw fail("\(name) needs \(what): \(name):\(what.uppercased())") }
      guard let value = Double(String(parameter)) else { throw fail("\(what) \"\(parameter)\" is not a number") }
      return value
    }
    func epsilon() throws(InfAlignError) -> Double {
      guard let parameter else { return Transform.defaultEpsilon }
      if parameter == "none" { return 0 }
      guard let value = Double(String(parameter)) else {
        throw fail("smoothing \"\(parameter)\" is neither a number nor \"none\"")
      }
      return value
    }
    do throws(InfAlignError) {
      if name == "optimal" {
        throw fail("the optimal transform is computed by the solver for a procedure, not parsed")
      }
      guard let keyword = Keyword(rawValue: String(name)) else {
        throw fail("unknown transform \"\(name)\"; expected \(Transform.syntaxSummary)")
      }
      switch keyword {
      case .identity:
        if let parameter { throw fail("identity takes no parameter (got \"\(parameter)\")") }
        self = .identity
      case .exponential: self = try .exponential(rate: number("t"))
      case .negativeExponential: self = try .negativeExponential(rate: number("t"))
      case .log: self = try .log(epsilon: epsilon())
      case .logit: self = try .logit(epsilon: epsilon())
      case .power: self = try .power(number("p"))
      case .table:
        throw fail("a table file is read by the caller: use Transform.tabulated(csv:source:)")
      }
    } catch {
      if case .parse = error { throw error }
      throw fail(error.description)
    }
  }
}
