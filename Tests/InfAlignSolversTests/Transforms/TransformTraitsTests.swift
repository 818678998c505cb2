import InfAlignSolvers
import Testing

/// Each parsed keyword's syntax, with its placeholder filled in (and without the optional part), parses to a
/// transform of that keyword; `table` is listed but never parsed; a custom closure has no keyword.
@Test(arguments: Transform.Keyword.allCases)
func transformSyntaxParsesToItsKeyword(_ keyword: Transform.Keyword) throws {
  let summary = Transform.syntaxSummary
  guard keyword.isParsed else {
    #expect(!summary.components(separatedBy: ", ").contains(keyword.syntax))
    #expect(throws: InfAlignError.self) { try Transform(parsing: "table:phi.csv") }
    return
  }
  #expect(summary.components(separatedBy: ", ").filter { $0 == keyword.syntax }.count == 1)
  let bare = keyword.syntax.replacingOccurrences(of: "[:EPS]", with: "")
  let filled = keyword.syntax.replacingOccurrences(of: "[:EPS]", with: ":0.01").replacingOccurrences(of: "T", with: "2")
    .replacingOccurrences(of: "P", with: "0.5")
  for text in Set([bare.replacingOccurrences(of: ":T", with: ":3").replacingOccurrences(of: ":P", with: ":2"), filled]) {
    #expect(try Transform(parsing: text).keyword == keyword, "\(text)")
  }
  #expect(Transform.custom(name: "c") { $0 }.keyword == nil)
  #expect(try Transform.tabulated(grid: [0, 1], values: [0, 1]).keyword == .table)
}
