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
