import InfAlignSolvers
import InfAlignText
import Testing

/// Errors are one line even when the text they quote is not (libFuzzer's first finds on the spec parsers: a
/// newline typed into `--procedure` printed a two-line error).
@Test func errorsQuotingUserTextAreOneLine() throws {
  #expect(oneLineText("bon:4") == "bon:4")
  #expect(oneLineText("a\nb\r\tc\u{0}\u{7F}\u{85}\u{2028}é") == "a\\nb\\r\\tc\\u{0}\\u{7F}\\u{85}\\u{2028}é")
  for (text, parse) in [
    ("bon:4\nx", { (t: String) throws(InfAlignError) in _ = try Procedure(parsing: t) }),
    ("exp:1\r\nx", { (t: String) throws(InfAlignError) in _ = try Transform(parsing: t) }),
    ("mix:1*bon:2\u{2028}x", { (t: String) throws(InfAlignError) in _ = try Procedure(parsing: t) }),
  ] {
    do throws(InfAlignError) {
      try parse(text)
      Issue.record("\(text) parsed")
    } catch {
      // The error keeps the text as given; its description escapes it.
      guard case let .parse(_, quoted, _) = error else { Issue.record("\(error)"); continue }
      #expect(quoted == text)
      #expect(!error.description.contains(where: { $0.isNewline }), "\(error)")
    }
  }
}
