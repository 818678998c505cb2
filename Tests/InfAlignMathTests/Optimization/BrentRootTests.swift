import InfAlignMath
import RealModule
import Testing

private func knownRoots<T: BLASScalar>(_: T.Type, tolerance: T) throws {
  // cos x = x: the Dottie number.
  let dottie = try BrentRoot.solve({ (x: T) in T.cos(x) - x }, in: 0, 1)
  #expect(abs(dottie - T(0.739_085_133_215_160_6)) <= tolerance)
  // Wallis's cubic x³ − 2x − 5.
  let wallis = try BrentRoot.solve({ (x: T) in x * x * x - 2 * x - 5 }, in: 2, 3)
  #expect(abs(wallis - T(2.094_551_481_542_326_5)) <= tolerance * 2)
  // Reversed ends are accepted.
  let reversed = try BrentRoot.solve({ (x: T) in x * x * x - 2 * x - 5 }, in: 3, 2)
  #expect(abs(reversed - T(2.094_551_481_542_326_5)) <= tolerance * 2)
  // Roots exactly at either end are returned as is.
  #expect(try BrentRoot.solve({ (x: T) in x - 1 }, in: 1, 3) == 1)
  #expect(try BrentRoot.solve({ (x: T) in x - 1 }, in: -2, 1) == 1)
  // A root at 0 with a flat (triple) root, given an absolute tolerance.
  let flat = try BrentRoot.solve({ (x: T) in x * x * x }, in: -1, 2, absoluteTolerance: T(1e-6))
  #expect(abs(flat) <= T(1e-6))
  // A steep function with a root far from the middle: e^(20x) − 2 on [−5, 5].
  let steep = try BrentRoot.solve({ (x: T) in T.exp(20 * x) - 2 }, in: -5, 5)
  #expect(abs(steep - T.log(2) / 20) <= tolerance * T.log(2) / 20)
  // A loose tolerance is honoured and costs fewer evaluations.
  let counter = Counter()
  let loose = try BrentRoot.solve(
    { (x: T) in
      counter.count += 1
      return T.cos(x) - x
    }, in: 0, 1, absoluteTolerance: T(1e-3), relativeTolerance: 0)
  #expect(abs(loose - T(0.739_085_133_215_160_6)) <= T(1e-3) + 4 * T.ulpOfOne)
  #expect(counter.count <= 6)
}

@Test func brentRootKnownRootsFloat() throws { try knownRoots(Float.self, tolerance: 4e-7) }
@Test func brentRootKnownRootsDouble() throws { try knownRoots(Double.self, tolerance: 1e-15) }

private func bracketExpansion<T: BLASScalar>(_: T.Type, tolerance: T) throws {
  // β with 1/β = 1000, multiplicatively from [0.5, 2]: stays positive, finds 1e-3 to full relative precision.
  let counter = Counter()
  let beta = try BrentRoot.solve(
    { (b: T) in
      counter.count += 1
      #expect(b > 0)
      return 1 / b - 1000
    }, expandingFrom: T(0.5), T(2), domain: .positive)
  #expect(abs(beta - T(1e-3)) <= tolerance * T(1e-3))
  #expect(counter.count <= 60)
  // The other way: β with 1/β = 1e-4 (β = 1e4).
  let large = try BrentRoot.solve({ (b: T) in 1 / b - T(1e-4) }, expandingFrom: T(0.5), T(2), domain: .positive)
  #expect(abs(large - T(1e4)) <= tolerance * T(1e4))
  // Additive expansion on the reals: x − 100 from [0, 1], and −x − 100 (root below the start).
  #expect(abs(try BrentRoot.solve({ (x: T) in x - 100 }, expandingFrom: 0, 1) - 100) <= tolerance * 100)
  #expect(abs(try BrentRoot.solve({ (x: T) in -x - 100 }, expandingFrom: 0, 1) + 100) <= tolerance * 100)
  // Bounded: the root of x − 0.9 from [0.1, 0.2] inside [0, 1], never evaluating outside it.
  let bounded = try BrentRoot.solve(
    { (x: T) in
      #expect(x >= 0 && x <= 1)
      return x - T(0.9)
    }, expandingFrom: T(0.1), T(0.2), domain: .bounded(lower: 0, upper: 1))
  #expect(abs(bounded - T(0.9)) <= tolerance)
  // A plateau (equal |f| at both ends, and no progress on the side moved first): the ends alternate.
  let wrongSide = try BrentRoot.solve(
    { (x: T) in x < 0 ? x + 10 : 1 }, expandingFrom: T(1), T(2), growthFactor: 2)
  #expect(abs(wrongSide + 10) <= tolerance * 10)
}

@Test func brentRootBracketExpansionFloat() throws { try bracketExpansion(Float.self, tolerance: 1e-6) }
@Test func brentRootBracketExpansionDouble() throws { try bracketExpansion(Double.self, tolerance: 1e-15) }

private func rootErrors<T: BLASScalar>(_: T.Type) {
  // No sign change on the interval.
  #expect(throws: MathError.self) { try BrentRoot.solve({ (x: T) in x * x + 1 }, in: -1, 1) }
  do {
    _ = try BrentRoot.solve({ (x: T) in x * x + 1 }, in: -1, 2)
    Issue.record("expected noBracket")
  } catch let MathError.noBracket(lower, upper, fLower, fUpper) {
    #expect(lower == -1 && upper == 2 && fLower == 2 && fUpper == 5)
  } catch {
    Issue.record("unexpected \(error)")
  }
  // No root anywhere: expansion gives up after maxExpansions, or when a bounded domain is exhausted.
  #expect(throws: MathError.self) {
    try BrentRoot.solve({ (x: T) in x * x + 1 }, expandingFrom: -1, 1, maxExpansions: 10)
  }
  #expect(throws: MathError.self) {
    try BrentRoot.solve({ (b: T) in 1 / b + 1 }, expandingFrom: 1, 2, domain: .positive)
  }
  do {
    _ = try BrentRoot.solve(
      { (x: T) in x + 2 }, expandingFrom: T(0.1), T(0.2), domain: .bounded(lower: -1, upper: 1))
    Issue.record("expected noBracket")
  } catch let MathError.noBracket(lower, upper, _, _) {
    #expect(lower == -1 && upper == 1)
  } catch {
    Issue.record("unexpected \(error)")
  }
  // Iteration cap.
  do {
    _ = try BrentRoot.solve({ (x: T) in T.cos(x) - x }, in: -10, 10, maxIterations: 2)
    Issue.record("expected noConvergence")
  } catch let MathError.noConvergence(method, iterations, estimate, _) {
    #expect(method == "BrentRoot" && iterations == 2 && estimate >= -10 && estimate <= 10)
  } catch {
    Issue.record("unexpected \(error)")
  }
  // NaN from f names x; bad arguments.
  let message = invalidArgumentMessage { _ = try BrentRoot.solve({ (x: T) in x > T(0.5) ? .nan : x - 1 }, in: 0, 1) }
  #expect(message?.contains("x = 1") == true, "\(message ?? "no error")")
  #expect(invalidArgumentMessage { _ = try BrentRoot.solve({ (x: T) in x }, in: -.infinity, 1) } != nil)
  #expect(invalidArgumentMessage { _ = try BrentRoot.solve({ (x: T) in x }, in: -1, 1, relativeTolerance: -1) } != nil)
  #expect(invalidArgumentMessage {
    _ = try BrentRoot.solve({ (x: T) in x }, expandingFrom: -1, 1, domain: .positive)
  } != nil)
  #expect(invalidArgumentMessage {
    _ = try BrentRoot.solve({ (x: T) in x }, expandingFrom: -1, 1, growthFactor: 1)
  } != nil)
  #expect(invalidArgumentMessage { _ = try BrentRoot.solve({ (x: T) in x - 5 }, expandingFrom: 1, 1) } != nil)
  #expect(invalidArgumentMessage {
    _ = try BrentRoot.solve({ (x: T) in x }, expandingFrom: -1, 1, domain: .bounded(lower: 0, upper: 1))
  } != nil)
  // Infinite values carry a sign only: still converges.
  let withInfinity = try? BrentRoot.solve({ (x: T) in x < 0 ? -.infinity : x - T(0.25) }, in: -1, 1)
  #expect(withInfinity.map { abs($0 - T(0.25)) <= 4 * T.ulpOfOne } == true)
}

@Test func brentRootErrorsFloat() { rootErrors(Float.self) }
@Test func brentRootErrorsDouble() { rootErrors(Double.self) }
