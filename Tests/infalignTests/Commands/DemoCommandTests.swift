import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import infalign

@Test func demoPrintsOneObjectPerMethodProcedureAndBudget() throws {
  let dir = temporaryDirectory()
  let json = try run(["demo", "--prompts", "16", "--candidates", "128", "--kl", "0.5,1", "--format", "json",
                      "--plot", dir + "/demo.svg"])
  let rows = jsonLines(json)
  #expect(rows.count == 2 * 2 * 4)  // procedures × budgets × methods
  for row in rows {
    for key in ["method", "procedure", "kl", "beta", "win_rate", "standard_win_rate"] { #expect(row[key] != nil, "\(key)") }
    #expect(["raw", "calibrated", "ctrl-exp", "ctrl-optimal"].contains(row["method"] as? String ?? ""))
  }
  let svg = try String(contentsOfFile: dir + "/demo.svg", encoding: .utf8)
  let parser = XMLParser(data: Data(svg.utf8))
  #expect(parser.parse())
  #expect(svg.components(separatedBy: "<path ").count - 1 == 8)
}
