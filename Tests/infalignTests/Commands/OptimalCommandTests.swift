import Foundation
import InfAlignSolvers
import Testing
@testable import infalign

/// `optimal` prints the library's numbers; `--output` writes a table that `analyze --transform table:FILE` reads
/// back to the same win rate and KL.
@Test func optimalCommandMatchesTheLibraryAndRoundTrips() throws {
  let dir = temporaryDirectory()
  let json = try run(["optimal", "--procedure", "bon:4", "--kl", "1", "--grid", "512", "--format", "json",
                      "--output", dir + "/r.csv"])
  let library = try OptimalTransform.solve(procedure: .bestOf(4), kl: 1, grid: 512)
  #expect(rawNumber(json, "win_rate") == library.winRate && rawNumber(json, "beta") == library.beta)
  #expect(abs((rawNumber(json, "kl") ?? 0) - 1) < 1e-8)
  let csv = try String(contentsOfFile: dir + "/r.csv", encoding: .utf8)
  #expect(csv.hasPrefix("u,R\n") && csv.split(separator: "\n").count >= 513)
  let back = try run(["analyze", "--procedure", "bon:4", "--transform", "table:\(dir)/r.csv",
                      "--beta", "\(library.beta)", "--format", "json"])
  #expect(abs((rawNumber(back, "win_rate") ?? 0) - library.winRate) < 1e-9)
  #expect(abs((rawNumber(back, "kl") ?? 0) - library.kl) < 1e-8)
}

@Test func optimalCommandErrors() {
  // A budget past the saturated win rate names it; bad text and β are rejected.
  do {
    _ = try run(["optimal", "--procedure", "won:32", "--kl", "4", "--grid", "256"])
    Issue.record("expected an error")
  } catch {
    #expect("\(error)".contains("buys nothing"), "\(error)")
  }
  #expect(throws: (any Error).self) { try run(["optimal", "--procedure", "bon:0", "--beta", "1"]) }
  #expect(throws: (any Error).self) { try run(["optimal", "--procedure", "bon:4", "--beta", "-1"]) }
  #expect(throws: (any Error).self) { try run(["optimal", "--procedure", "bon:4"]) }  // neither β nor KL
  #expect(throws: (any Error).self) { try run(["optimal", "--procedure", "bon:4", "--beta", "1", "--method", "x"]) }
}

/// The tuned-vs-optimal table: one row per (procedure, budget), the optimal at least the tuned family.
@Test func tuningTableRowsAndGaps() throws {
  let csv = try run(["tuning-table", "--n", "4", "--kl", "1", "--grid", "256", "--format", "csv"])
  let lines = csv.split(separator: "\n").map(String.init)
  #expect(lines.first == "procedure,kl,transform,parameter,beta,win_rate,optimal_win_rate,gap")
  #expect(lines.count == 1 + 2)  // bon:4 and won:4
  for line in lines.dropFirst() {
    let fields = line.split(separator: ",").map(String.init)
    let (tuned, optimal) = (Double(fields[5])!, Double(fields[6])!)
    #expect(optimal >= tuned - 1e-9, "\(line)")
  }
  #expect(TuningTableCommand.markdown([[("procedure", .string("bon:4")), ("gap", .number(.nan))]])
    == "| procedure | gap |\n| --- | --- |\n| bon:4 | — |\n")
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
