/// The value text of a ``CTRLOptionKey`` (`infalign_ctrl_options_set(key, value)`, Python's keywords): the text-only forms (flags, numbers with `none`) and the
/// library's shared parsers (``CTRLOptionWord``, `CTRLOptions+Text.swift`) named as `ctrl option KEY`. Each throws
/// ``InfAlignError/parse(kind:text:reason:)`` naming the option and saying what was expected.
struct CTRLOptionText {
  let key: String
  let value: String

  /// The option as parse errors name it.
  var option: String { "ctrl option \(key)" }

  func fail(_ reason: String) -> InfAlignError { .parse(kind: option, text: value, reason: reason) }

  func flag() throws(InfAlignError) -> Bool {
    switch value {
    case "true", "1", "yes": return true
    case "false", "0", "no": return false
    default: throw fail("expected true or false")
    }
  }

  /// A finite number ≥ 0 (the library's validation checks the tighter domains and names the option).
  func number() throws(InfAlignError) -> Double {
    guard let x = Double(value) else { throw fail("\"\(value)\" is not a number") }
    guard x.isFinite, x >= 0 else { throw .invalidParameter(name: key, value: x, reason: "must be finite and >= 0") }
    return x
  }

  /// A number, or nil for `none`.
  func optionalNumber() throws(InfAlignError) -> Double? { value == "none" ? nil : try number() }

  /// The value as a one-word option (`among` restricts the accepted values).
  func word<W: CTRLOptionWord>(_: W.Type = W.self, among values: [W]? = nil) throws(InfAlignError) -> W {
    try W(word: value, option: option, among: values)
  }

  func estimator() throws(InfAlignError) -> CTRLOptions.Estimator { try .init(text: value, option: option) }

  /// `none` or a ``CTRLOptions/KLTerm`` text form.
  func klTerm() throws(InfAlignError) -> CTRLOptions.KLTerm? {
    value == "none" ? nil : try CTRLOptions.KLTerm(text: value, option: option, name: key)
  }

  func aggregation() throws(InfAlignError) -> CTRLOptions.Aggregation {
    try .init(text: value, option: option, name: key)
  }
}
