import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import InfAlignSolvers
import Testing
@testable import infalign

/// `frontier`: one row per (transform, budget) and a chart with one curve per transform.
@Test func frontierTableAndPlot() throws {
  let dir = temporaryDirectory()
  let csv = try run(["frontier", "--procedure", "bon:4", "--transforms", "identity,exp:5", "--kl", "0.5:2:4",
                     "--format", "csv", "--plot", dir + "/f.svg"])
  let lines = csv.split(separator: "\n")
  #expect(lines.first == "procedure,transform,beta,kl,win_rate,standard_win_rate,log_z,log_beta,beta_scaled"
    && lines.count == 9)
  // β in both forms: exp:5's scaled weight is β·e^{−5}; identity's is β.
  for cells in lines.dropFirst().map({ $0.split(separator: ",").map(String.init) }) {
    let beta = Double(cells[2])!, logBeta = Double(cells[7])!, scaled = Double(cells[8])!
    #expect(abs(log(beta) - logBeta) <= 1e-12 * max(1, abs(logBeta)))
    let expected = cells[1] == "exp:5" ? beta * exp(-5) : beta
    #expect(abs(scaled - expected) <= 1e-13 * expected, "\(cells)")
  }
  let svg = try String(contentsOfFile: dir + "/f.svg", encoding: .utf8)
  #expect(XMLParser(data: Data(svg.utf8)).parse())
  #expect(svg.components(separatedBy: "<path ").count - 1 == 2)
  #expect(throws: (any Error).self) { try run(["frontier", "--kl", "2:1:3"]) }
}

/// The frontier with `optimal` among the transforms, and a reference procedure different from the policy's.
@Test func frontierWithOptimalAndReferenceProcedure() throws {
  let dir = temporaryDirectory()
  let csv = try run(["frontier", "--procedure", "bon:4", "--transforms", "exp:5,optimal", "--kl", "0.5:1:2",
                     "--grid", "256", "--format", "csv", "--plot", dir + "/f.svg"])
  let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
  #expect(rows.count == 4)
  for kl in [0.5, 1.0] {
    let at = rows.filter { abs(Double($0[3])! - kl) < 1e-8 }
    let exp = at.first { $0[1] == "exp:5" }!, optimal = at.first { $0[1] == "optimal" }!
    #expect(Double(optimal[4])! >= Double(exp[4])! - 1e-9)
  }
  let svg = try String(contentsOfFile: dir + "/f.svg", encoding: .utf8)
  #expect(svg.components(separatedBy: "<path ").count - 1 == 2)
  let mixed = try run(["analyze", "--procedure", "bon:4", "--reference-procedure", "standard", "--transform",
                       "exp:5", "--beta", "1", "--format", "json"])
  let point = try CalibratedSpace.analyze(
    transform: .exponential(rate: 5), beta: 1, procedure: .bestOf(4), reference: .standard)
  #expect(rawNumber(mixed, "win_rate") == point.winRate)
}
