import Testing
@testable import infalign

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
