import InfAlignSolvers
import RealModule
import Testing

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

  // MARK: Generic apply, Float and Double

  private func applyOnBuffersEqualsScalar<T: BLASScalar>(_: T.Type) throws {
    var rng = TestRNG(5)
    var input: [T] = (0..<1000).map { _ in T(rng.uniform() * 1.1 - 0.05) }
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
