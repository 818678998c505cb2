import InfAlignSolvers
import RealModule
import Testing

/// Table transforms (Transform+Table.swift): interpolation, validation, CSV.
@Suite struct TransformTableTests {
  @Test func tabulatedInterpolation() throws {
    // A table of u² on a non-uniform grid: exact at the knots, linear in between, constant outside the grid.
    let grid = [0.1, 0.2, 0.35, 0.5, 0.8, 0.9]
    let values = grid.map { $0 * $0 }
    let table = try Transform.tabulated(grid: grid, values: values)
    for (u, v) in zip(grid, values) { #expect(table.value(u) == v) }
    for i in 0..<(grid.count - 1) {
      let a = grid[i], b = grid[i + 1]
      let slope = (b * b - a * a) / (b - a)
      for w in [0.25, 0.5, 0.9] {
        let u = a + w * (b - a)
        #expect(isClose(table.value(u), a * a + slope * (u - a), 4 * Double.ulpOfOne), "table at \(u)")
        #expect(isClose(table.derivative(u), slope, 4 * Double.ulpOfOne), "table' at \(u)")
      }
      #expect(isClose(table.derivative(a), slope, 4 * Double.ulpOfOne), "table' at knot \(a) is the right slope")
    }
    #expect(isClose(table.derivative(0.9), (0.81 - 0.64) / 0.1, 1e-14), "table' at the last knot is the left slope")
    #expect(table.value(0) == values[0] && table.value(0.05) == values[0])
    #expect(table.value(0.95) == values[5] && table.value(1) == values[5])
    #expect(table.derivative(0.05) == 0 && table.derivative(0.95) == 0)
    // Generic apply evaluates the table in Double.
    #expect(table.apply(Float(0.3)) == Float(table.value(Double(Float(0.3)))))
  }

  @Test func tabulatedValidation() {
    func expectError(
      _ name: String, _ grid: [Double], _ values: [Double], sourceLocation: SourceLocation = #_sourceLocation
    ) {
      do {
        _ = try Transform.tabulated(grid: grid, values: values)
        Issue.record("no error for \(grid), \(values)", sourceLocation: sourceLocation)
      } catch {
        guard case let .invalidParameter(failedName, _, _) = error else {
          Issue.record("\(error)", sourceLocation: sourceLocation)
          return
        }
        #expect(failedName == name, "\(error)", sourceLocation: sourceLocation)
      }
    }
    expectError("values.count", [0, 1], [0])
    expectError("grid.count", [0.5], [1])
    expectError("grid.count", [], [])
    expectError("grid[2]", [0, 0.5, 0.5], [0, 1, 2])
    expectError("grid[1]", [0.5, 0.2], [0, 1])
    expectError("grid[1]", [0, 1.5], [0, 1])
    expectError("grid[0]", [-0.1, 0.5], [0, 1])
    expectError("grid[1]", [0, .nan], [0, 1])
    expectError("values[1]", [0, 1], [0, .infinity])
    expectError("values[0]", [0, 1], [.nan, 0])
  }

  @Test func tabulatedFromCSV() throws {
    let csv = "# optimal transform for bon:4\r\nu,R\r\n0, -1\n\n0.5,0.25\n  1 , 2 \n"
    let table = try Transform.tabulated(csv: csv, source: "phi.csv")
    guard case let .tabulated(t) = table.kind else { Issue.record("not a table"); return }
    #expect(t.grid == [0, 0.5, 1] && t.values == [-1, 0.25, 2] && t.source == "phi.csv")
    #expect(table.value(0.75) == 1.125)
    let headerless = try Transform.tabulated(csv: "0,0\n1,3")
    #expect(headerless.value(0.5) == 1.5)

    let failures: [(csv: String, line: String, lineNumber: Int)] = [
      ("u,R\n0,0\n0.5,x\n1,1", "0.5,x", 3),
      ("0,0\n0.5\n1,1", "0.5", 2),
      ("0,0\n0.5,1,2\n", "0.5,1,2", 2),
      ("0,0\n0.6,1\n0.6,2", "0.6,2", 3),
      ("0,0\n1.5,1", "1.5,1", 2),
      ("0,0\n1,nan", "1,nan", 2),
      ("0,0\nu,R\n1,1", "u,R", 2),
    ]
    for (csv, line, lineNumber) in failures {
      do {
        _ = try Transform.tabulated(csv: csv)
        Issue.record("no error for \(csv)")
      } catch {
        guard case let .parse(kind, text, reason) = error else { Issue.record("\(error)"); return }
        #expect(kind == "transform table" && text == line && reason.hasPrefix("line \(lineNumber):"), "\(error)")
      }
    }
    #expect(throws: InfAlignError.self) { try Transform.tabulated(csv: "u,R\n0.5,1\n") }
    #expect(throws: InfAlignError.self) { try Transform.tabulated(csv: "") }
  }
}
