import InfAlignSolvers
import RealModule
import Testing

/// A deterministic PRNG for the tests (SplitMix64).
private struct SplitMix64 {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// Uniform in [0, 1).
  mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}

/// `|got − want| ≤ tolerance·max(1, |want|)`, or equal (including equal infinities).
private func expectClose(
  _ got: Double, _ want: Double, _ tolerance: Double, _ what: @autoclosure () -> String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let ok = got == want || abs(got - want) <= tolerance * Swift.max(1, abs(want))
  #expect(ok, "\(what()): got \(got), want \(want)", sourceLocation: sourceLocation)
}

/// Transforms of every kind, with the closed form of each (written independently of the implementation).
private typealias Sample = (transform: Transform, closedForm: (Double) -> Double, derivative: (Double) -> Double)

private func samples() throws -> [Sample] {
  let square = Transform.custom(name: "square", derivative: { 2 * $0 }) { $0 * $0 }
  let cube = Transform.custom(name: "cube") { $0 * $0 * $0 }
  let table = try Transform.tabulated(grid: [0, 0.25, 0.5, 1], values: [-1, 0, 2, 3])
  func piecewise(_ u: Double) -> Double { u < 0.25 ? -1 + 4 * u : (u < 0.5 ? 8 * (u - 0.25) : 2 + 2 * (u - 0.5)) }
  func slope(_ u: Double) -> Double { u < 0.25 ? 4 : (u < 0.5 ? 8 : 2) }
  return [
    (.identity, { $0 }, { _ in 1 }),
    (try .exponential(rate: 2.5), { Double.exp(2.5 * $0) }, { 2.5 * Double.exp(2.5 * $0) }),
    (try .negativeExponential(rate: 3), { -1 / Double.exp(3 * $0) }, { 3 / Double.exp(3 * $0) }),
    (try .log(), { Double.log($0) }, { 1 / $0 }),
    (try .log(epsilon: 0), { Double.log($0) }, { 1 / $0 }),
    (try .logit(), { Double.log($0) - Double.log(onePlus: -$0) }, { 1 / $0 + 1 / (1 - $0) }),
    (try .logit(epsilon: 0.01), { Double.log($0) - Double.log(onePlus: -$0) }, { 1 / $0 + 1 / (1 - $0) }),
    (try .power(0.5), { Double.sqrt($0) }, { 0.5 / Double.sqrt($0) }),
    (try .power(3), { $0 * $0 * $0 }, { 3 * $0 * $0 }),
    (square, { $0 * $0 }, { 2 * $0 }),
    (cube, { $0 * $0 * $0 }, { 3 * $0 * $0 }),
    (table, piecewise, slope),
  ]
}

@Suite struct TransformTests {
  @Test func valuesMatchClosedForms() throws {
    let points = [0.02, 0.1, 0.3, 0.5, 0.6, 0.77, 0.95, 0.98]
    for (transform, closedForm, derivative) in try samples() {
      for u in points {
        expectClose(transform.value(u), closedForm(u), 4 * Double.ulpOfOne, "\(transform) at \(u)")
        expectClose(transform(u), closedForm(u), 4 * Double.ulpOfOne, "\(transform)() at \(u)")
        // The finite-difference fallback of `cube` is accurate to about 1e-10.
        expectClose(transform.derivative(u), derivative(u), 1e-9, "\(transform)' at \(u)")
      }
    }
  }

  @Test func derivativesMatchCentralDifferences() throws {
    for (transform, _, _) in try samples() {
      for u in [0.03, 0.2, 0.37, 0.62, 0.9, 0.97] {
        let h = 1e-6
        let difference = (transform.value(u + h) - transform.value(u - h)) / (2 * h)
        expectClose(transform.derivative(u), difference, 1e-6, "\(transform)' at \(u) vs central difference")
      }
    }
  }

  @Test func edgeCasesAndSmoothing() throws {
    // t = 0: constants.
    #expect(try Transform.exponential(rate: 0).value(0.3) == 1)
    #expect(try Transform.exponential(rate: 0).derivative(0.3) == 0)
    #expect(try Transform.negativeExponential(rate: 0).value(0.7) == -1)
    // log: u clamped into [ε, 1].
    let log = try Transform.log()
    #expect(log.value(0) == Double.log(1e-6) && log.value(1e-7) == Double.log(1e-6) && log.value(1) == 0)
    #expect(log.derivative(1e-7) == 0 && log.derivative(1e-6) == 1e6)
    #expect(try Transform.log(epsilon: 0).value(0) == -.infinity)
    #expect(try Transform.log(epsilon: 0).derivative(0) == .infinity)
    // logit: u clamped into [ε, 1 − ε].
    let logit = try Transform.logit(epsilon: 0.01)
    #expect(logit.value(0) == Double.log(0.01 / 0.99) && logit.value(0.995) == logit.value(1))
    expectClose(logit.value(1), -logit.value(0), 2 * Double.ulpOfOne, "logit symmetry")
    #expect(logit.derivative(0.001) == 0 && logit.derivative(0.999) == 0)
    #expect(try Transform.logit(epsilon: 0).value(0) == -.infinity)
    #expect(try Transform.logit(epsilon: 0).value(1) == .infinity)
    // power at 0.
    #expect(try Transform.power(0.5).derivative(0) == .infinity)
    #expect(try Transform.power(1).derivative(0) == 1)
    #expect(try Transform.power(2).derivative(0) == 0)
    #expect(try Transform.power(2).value(0) == 0)
    // Out-of-range u is clamped into [0, 1]; NaN stays NaN.
    for (transform, _, _) in try samples() {
      #expect(transform.value(-0.25) == transform.value(0) || transform.value(0).isNaN, "\(transform)")
      #expect(transform.value(1 + 1e-12) == transform.value(1), "\(transform)")
      #expect(transform.value(.nan).isNaN, "\(transform)")
    }
    // Boundedness.
    #expect(Transform.identity.isBoundedBelow && Transform.identity.isBoundedAbove)
    #expect(try Transform.log().isBoundedBelow && Transform.log().isBoundedAbove)
    #expect(try !Transform.log(epsilon: 0).isBoundedBelow && Transform.log(epsilon: 0).isBoundedAbove)
    #expect(try !Transform.logit(epsilon: 0).isBoundedBelow && !Transform.logit(epsilon: 0).isBoundedAbove)
    #expect(!Transform.custom(name: "log") { Double.log($0) }.isBoundedBelow)
  }

  @Test func invalidParametersThrow() {
    #expect(throws: InfAlignError.invalidParameter(name: "rate t", value: -1, reason: "must be finite and >= 0")) {
      try Transform.exponential(rate: -1)
    }
    #expect(throws: InfAlignError.self) { try Transform.negativeExponential(rate: .infinity) }
    #expect(throws: InfAlignError.self) { try Transform.exponential(rate: .nan) }
    #expect(throws: InfAlignError.self) { try Transform.power(0) }
    #expect(throws: InfAlignError.self) { try Transform.power(-2) }
    #expect(throws: InfAlignError.self) { try Transform.log(epsilon: 1) }
    #expect(throws: InfAlignError.self) { try Transform.log(epsilon: -1e-9) }
    #expect(throws: InfAlignError.self) { try Transform.logit(epsilon: 0.5) }
    #expect(throws: InfAlignError.self) { try Transform.logit(epsilon: .nan) }
  }

  @Test func textRoundTrips() throws {
    var rng = SplitMix64(state: 3)
    var transforms: [Transform] = [.identity, try .log(), try .logit(), try .log(epsilon: 0), try .logit(epsilon: 0)]
    for _ in 0..<50 {
      let x = rng.unit()
      transforms += [
        try .exponential(rate: 10 * x), try .negativeExponential(rate: x * 1e-3), try .power(x + 1e-300),
        try .log(epsilon: x * 1e-4), try .logit(epsilon: x / 3),
      ]
    }
    for transform in transforms {
      let parsed = try Transform(parsing: transform.description)
      #expect(parsed.description == transform.description)
      // Same parameters, bit for bit: same values everywhere.
      for u in [0.0, 1e-7, 0.3, 0.999, 1.0] {
        #expect(parsed.value(u).bitPattern == transform.value(u).bitPattern, "\(transform) at \(u)")
      }
    }
    #expect(try Transform(parsing: "exp:2").description == "exp:2.0")
    #expect(try Transform(parsing: " power : 0.5 ").description == "power:0.5")
    #expect(try Transform(parsing: "log").description == "log")
    #expect(try Transform(parsing: "log:1e-6").description == "log")
    #expect(try Transform(parsing: "log:0").description == "log:none")
    #expect(try Transform(parsing: "logit:none").description == "logit:none")
    #expect(try Transform(parsing: "logit:0.001").description == "logit:0.001")
    #expect(try Transform(parsing: "negexp:3").value(0.5) == -Double.exp(-1.5))
    #expect(Transform.custom(name: "my-phi") { $0 }.description == "my-phi")
    #expect(try Transform.tabulated(grid: [0, 1], values: [0, 1]).description == "table(2 points)")
    #expect(try Transform.tabulated(grid: [0, 1], values: [0, 1], source: "phi.csv").description == "table:phi.csv")
  }

  @Test(arguments: [
    "", "expo:3", "exp", "exp:", "exp:abc", "exp:-1", "exp:nan", "negexp:inf", "power:0", "power", "identity:3",
    "log:2", "log:abc", "logit:0.5", "table:phi.csv", "optimal", "Identity", "my-phi",
  ])
  func parseErrorsNameTheText(_ text: String) {
    expectParseError(kind: "transform", text) { (t) throws(InfAlignError) in try Transform(parsing: t) }
  }

  @Test func parseErrorQuotesTheConstraint() {
    let reason = "invalid rate t = -1: must be finite and >= 0"
    #expect(throws: InfAlignError.parse(kind: "transform", text: "exp:-1", reason: reason)) {
      try Transform(parsing: "exp:-1")
    }
  }

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
        expectClose(table.value(u), a * a + slope * (u - a), 4 * Double.ulpOfOne, "table at \(u)")
        expectClose(table.derivative(u), slope, 4 * Double.ulpOfOne, "table' at \(u)")
      }
      expectClose(table.derivative(a), slope, 4 * Double.ulpOfOne, "table' at knot \(a) is the right slope")
    }
    expectClose(table.derivative(0.9), (0.81 - 0.64) / 0.1, 1e-14, "table' at the last knot is the left slope")
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

  // MARK: Generic apply, Float and Double

  private func applyOnBuffersEqualsScalar<T: BLASScalar>(_: T.Type) throws {
    var rng = SplitMix64(state: 5)
    var input: [T] = (0..<1000).map { _ in T(rng.unit() * 1.1 - 0.05) }
    input += [0, 1, -0, T.leastNonzeroMagnitude, T(1).nextDown, .nan, -1, 2]
    for (transform, _, _) in try samples() {
      var buffer = input
      buffer.withUnsafeMutableBufferPointer { transform.apply(to: $0) }
      for (u, got) in zip(input, buffer) {
        let want = transform.apply(u)
        #expect(got == want || (got.isNaN && want.isNaN), "\(transform) at \(u): buffer \(got), scalar \(want)")
      }
    }
    // An empty buffer is a no-op.
    var empty: [T] = []
    empty.withUnsafeMutableBufferPointer { Transform.identity.apply(to: $0) }
  }

  @Test func applyOnBuffersEqualsScalarFloat() throws { try applyOnBuffersEqualsScalar(Float.self) }
  @Test func applyOnBuffersEqualsScalarDouble() throws { try applyOnBuffersEqualsScalar(Double.self) }

  private func applyMatchesDouble<T: BLASScalar>(_: T.Type, tolerance: Double) throws {
    for (transform, _, _) in try samples() {
      for u in [0.0, 1e-3, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999, 1.0] {
        let x = T(u)
        let got = Double(transform.apply(x)), want = transform.value(Double(x))
        expectClose(got, want, tolerance, "\(transform) in \(T.self) at \(u)")
      }
    }
  }

  @Test func applyMatchesDoubleFloat() throws {
    try applyMatchesDouble(Float.self, tolerance: 4 * Double(Float.ulpOfOne))
  }
  @Test func applyMatchesDoubleDouble() throws { try applyMatchesDouble(Double.self, tolerance: 0) }
}
