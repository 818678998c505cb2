// Text-form parsing (`Procedure(parsing:)`, `Transform(parsing:)`, tables) trims with this, without Foundation.

extension StringProtocol {
  /// The text without leading and trailing whitespace.
  func trimmingSpaces() -> SubSequence {
    var s = self[...]
    while let c = s.first, c.isWhitespace { s = s.dropFirst() }
    while let c = s.last, c.isWhitespace { s = s.dropLast() }
    return s
  }
}
