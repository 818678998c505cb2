extension Procedure {
  /// The text form: `standard`, `bon:N`, `won:N`, `order:K:N` (the K-th smallest of N), and mixtures
  /// `mix:W*P+W*P+…` with each `P` one of the other forms, e.g. `mix:0.5*bon:4+0.5*standard`.
  ///
  /// Weights are printed in Swift's shortest round-trip form, so `Procedure(parsing: p.description) == p`.
  public var description: String {
    switch kind {
    case .standard: return "standard"
    case let .bestOf(n): return "bon:\(n)"
    case let .worstOf(n): return "won:\(n)"
    case let .orderStatistic(k, n): return "order:\(k):\(n)"
    case let .mixture(components):
      return "mix:" + components.map { "\($0.weight)*\($0.procedure)" }.joined(separator: "+")
    }
  }

  /// Parses the text form printed by ``description``: `standard`, `bon:N`, `won:N`, `order:K:N`,
  /// `mix:W*P+W*P+…`.
  ///
  /// Names are lowercase; whitespace around the text, the parameters, the `+` and the `*` is ignored. `N` and `K`
  /// are decimal integers, weights use Swift's `Double(String)` syntax. In a mixture a `+` separates components
  /// except inside a weight's exponent (`1e+0`); components cannot be mixtures themselves.
  /// - Throws: ``InfAlignError/parse(kind:text:reason:)`` with kind `"procedure"` naming the whole text, for an
  ///   unknown name, missing, extra or malformed parameters, or parameters outside their domain (the reason then
  ///   quotes the constructor's message, e.g. `N = 0`).
  public init(parsing text: String) throws(InfAlignError) {
    do throws(InfAlignError) {
      self = try Procedure.parse(text.trimmingSpaces(), allowMixture: true)
    } catch {
      if case let .parse(_, _, reason) = error { throw .parse(kind: "procedure", text: text, reason: reason) }
      throw .parse(kind: "procedure", text: text, reason: error.description)
    }
  }

  /// Parses `text` (already trimmed); errors carry only a reason, the caller names the whole text.
  private static func parse(_ text: Substring, allowMixture: Bool) throws(InfAlignError) -> Procedure {
    func fail(_ reason: String) -> InfAlignError { .parse(kind: "procedure", text: String(text), reason: reason) }
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
    let name = parts[0]
    func integers(_ names: [String]) throws(InfAlignError) -> [Int] {
      let usage = "\(name):" + names.joined(separator: ":")
      guard parts.count == names.count + 1 else { throw fail("expected \(usage)") }
      var result: [Int] = []
      for (i, p) in parts.dropFirst().enumerated() {
        guard let v = Int(p) else { throw fail("\(names[i]) \"\(p)\" is not an integer (expected \(usage))") }
        result.append(v)
      }
      return result
    }
    guard let keyword = Keyword(rawValue: String(name)) else {
      throw fail("unknown procedure \"\(name)\"; expected \(syntaxSummary)")
    }
    switch keyword {
    case .standard:
      guard parts.count == 1 else { throw fail("standard takes no parameter") }
      return .standard
    case .bestOf:
      return try .bestOf(integers(["N"])[0])
    case .worstOf:
      return try .worstOf(integers(["N"])[0])
    case .orderStatistic:
      let kn = try integers(["K", "N"])
      return try .orderStatistic(kn[0], of: kn[1])
    case .mixture:
      guard allowMixture else { throw fail("a mixture component cannot be a mixture (\"\(text)\")") }
      // `mix` alone has no body (libFuzzer found the force unwrap that was here).
      guard let colon = text.firstIndex(of: ":") else { throw fail("expected mix:W*PROCEDURE+W*PROCEDURE+…") }
      let body = text[text.index(after: colon)...]
      var components: [(weight: Double, procedure: Procedure)] = []
      for piece in splitComponents(body) {
        let piece = piece.trimmingSpaces()
        guard let star = piece.firstIndex(of: "*") else {
          throw fail("mixture component \"\(piece)\" is not W*PROCEDURE")
        }
        let weightText = piece[..<star].trimmingSpaces()
        guard let weight = Double(String(weightText)) else {
          throw fail("mixture weight \"\(weightText)\" is not a number")
        }
        let inner = try parse(piece[piece.index(after: star)...].trimmingSpaces(), allowMixture: false)
        components.append((weight, inner))
      }
      return try .mixture(components)
    }
  }

  /// Splits a mixture body at `+` signs that are not the sign of an exponent (`e+`/`E+` after a digit or `.`).
  private static func splitComponents(_ body: Substring) -> [Substring] {
    var pieces: [Substring] = []
    var start = body.startIndex
    var i = body.startIndex
    while i < body.endIndex {
      if body[i] == "+" {
        var isExponentSign = false
        if i > body.startIndex {
          let e = body.index(before: i)
          if body[e] == "e" || body[e] == "E", e > body.startIndex {
            let d = body[body.index(before: e)]
            isExponentSign = d.isNumber || d == "."
          }
        }
        if !isExponentSign {
          pieces.append(body[start..<i])
          start = body.index(after: i)
        }
      }
      i = body.index(after: i)
    }
    pieces.append(body[start...])
    return pieces
  }
}
