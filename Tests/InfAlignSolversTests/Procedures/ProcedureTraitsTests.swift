import InfAlignSolvers
import Testing

/// Each keyword's syntax, with its placeholders filled in, parses to a procedure of that keyword; the summary
/// lists every syntax once.
@Test(arguments: Procedure.Keyword.allCases)
func procedureSyntaxParsesToItsKeyword(_ keyword: Procedure.Keyword) throws {
  let text = keyword.syntax.replacingOccurrences(of: "K", with: "2").replacingOccurrences(of: "N", with: "5")
    .replacingOccurrences(of: "W*P+W*P", with: "0.5*bon:2+0.5*won:3")
  #expect(try Procedure(parsing: text).keyword == keyword, "\(text)")
  let listed = Procedure.syntaxSummary.replacingOccurrences(of: " or ", with: ", ").components(separatedBy: ", ")
  #expect(listed.filter { $0 == keyword.syntax }.count == 1, "\(listed)")
}

/// `hasConcaveObjective` is claimed only where `g'` is non-decreasing on [0, 1] (MATH.md §5), checked on a grid;
/// the worst-of-N and interior order statistics it leaves out do decrease somewhere. The suited family is
/// `negexp` exactly for worst-of-N.
@Test func concaveObjectiveOnlyWhereTheDerivativeIncreases() throws {
  let procedures = [Procedure.standard, try .bestOf(1), try .bestOf(4), try .bestOf(64), try .worstOf(3),
                    try .orderStatistic(2, of: 5), try .mixture([(0.5, .bestOf(2)), (0.5, .worstOf(2))])]
  for p in procedures {
    let slopes = (0...200).map { p.derivative(Double($0) / 200) }
    let increasing = zip(slopes, slopes.dropFirst()).allSatisfy { $0 <= $1 }
    if p.hasConcaveObjective { #expect(increasing, "\(p)") }
    if p.keyword == .worstOf || p.keyword == .orderStatistic { #expect(!increasing, "\(p)") }
    #expect((p.suitedFamily == .negativeExponential) == (p.keyword == .worstOf), "\(p)")
  }
}
