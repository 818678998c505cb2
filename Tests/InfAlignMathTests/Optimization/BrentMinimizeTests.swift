import InfAlignMath
import RealModule
import Testing

private func knownMinima<T: BLASScalar>(_: T.Type, xTolerance: T) throws {
  let epsilon = T.ulpOfOne
  // (x − 2)² + 1 on [0, 5].
  let quadratic = try BrentMinimize.minimize({ (x: T) in (x - 2) * (x - 2) + 1 }, in: 0, 5)
  #expect(abs(quadratic.x - 2) <= xTolerance * 2 && abs(quadratic.value - 1) <= 4 * epsilon)
  // cos on [3, 4]: minimum −1 at π.
  let cosine = try BrentMinimize.minimize({ (x: T) in T.cos(x) }, in: 3, 4)
  #expect(abs(cosine.x - T.pi) <= xTolerance * T.pi && abs(cosine.value + 1) <= 4 * epsilon)
  // eˣ − 2x: minimum 2 − 2 log 2 at log 2.
  let convex = try BrentMinimize.minimize({ (x: T) in T.exp(x) - 2 * x }, in: -3, 4)
  #expect(abs(convex.x - T.log(2)) <= xTolerance && abs(convex.value - (2 - 2 * T.log(2))) <= 8 * epsilon)
  // Minima at a boundary are returned exactly: x on [1, 2], −x on [1, 2], e^(−x) on [0, 10].
  let atLower = try BrentMinimize.minimize({ (x: T) in x }, in: 1, 2)
  #expect(atLower.x == 1 && atLower.value == 1)
  let atUpper = try BrentMinimize.minimize({ (x: T) in -x }, in: 2, 1)
  #expect(atUpper.x == 2 && atUpper.value == -2)
  let decaying = try BrentMinimize.minimize({ (x: T) in T.exp(-x) }, in: 0, 10)
  #expect(decaying.x == 10)
  // A quartic (flat minimum) is located to about ε^(1/4).
  let flat = try BrentMinimize.minimize({ (x: T) in T.pow(x - 1, 4) }, in: -2, 3)
  #expect(abs(flat.x - 1) <= T.pow(epsilon, T(0.25)) * 4)
  // A degenerate interval.
  #expect(try BrentMinimize.minimize({ (x: T) in x * x }, in: 3, 3) == (3, 9))
  // An absolute tolerance loosens the search: fewer evaluations, still within tolerance.
  let counter = Counter()
  let loose = try BrentMinimize.minimize(
    { (x: T) in
      counter.count += 1
      return T.cos(x)
    }, in: 3, 4, tolerance: T(1e-2), relativeTolerance: 0)
  #expect(abs(loose.x - T.pi) <= T(1e-2) && counter.count <= 12)
}

@Test func brentMinimizeKnownMinimaFloat() throws { try knownMinima(Float.self, xTolerance: 1e-3) }
@Test func brentMinimizeKnownMinimaDouble() throws { try knownMinima(Double.self, xTolerance: 1e-7) }

private func minimizeBracketAndErrors<T: BLASScalar>(_: T.Type, xTolerance: T) throws {
  // Bracket (x − 7)² walking uphill-away from a start at [0, 1], then minimize inside the bracket.
  let f = { (x: T) in (x - 7) * (x - 7) }
  let bracket = try BrentMinimize.bracket(f, from: 0, 1)
  #expect(bracket.lower < bracket.middle && bracket.middle < bracket.upper)
  #expect(f(bracket.middle) <= f(bracket.lower) && f(bracket.middle) <= f(bracket.upper))
  let minimum = try BrentMinimize.minimize(f, in: bracket.lower, bracket.upper)
  #expect(abs(minimum.x - 7) <= xTolerance * 7)
  // Starting points in the other order (downhill is toward the first point).
  let other = try BrentMinimize.bracket(f, from: 1, 0)
  #expect(other.lower < 7 && 7 < other.upper)
  // No minimum: −x decreases forever.
  #expect(throws: MathError.self) { try BrentMinimize.bracket({ (x: T) in -x }, from: 0, 1, maxExpansions: 20) }
  #expect(invalidArgumentMessage { _ = try BrentMinimize.bracket(f, from: 1, 1) } != nil)
  // Iteration cap, NaN and bad arguments.
  do {
    _ = try BrentMinimize.minimize({ (x: T) in T.cos(x) }, in: 3, 4, maxIterations: 3)
    Issue.record("expected noConvergence")
  } catch let MathError.noConvergence(method, iterations, _, _) {
    #expect(method == "BrentMinimize" && iterations == 3)
  } catch {
    Issue.record("unexpected \(error)")
  }
  let message = invalidArgumentMessage { _ = try BrentMinimize.minimize({ (x: T) in x > 2 ? .nan : x }, in: 0, 5) }
  #expect(message?.contains("x = ") == true, "\(message ?? "no error")")
  #expect(invalidArgumentMessage { _ = try BrentMinimize.minimize({ (x: T) in x }, in: 0, .nan) } != nil)
  #expect(invalidArgumentMessage { _ = try BrentMinimize.minimize({ (x: T) in x }, in: 0, 1, tolerance: -1) } != nil)
  // +∞ values lose comparisons: minimize a function that is +∞ on part of the interval.
  let partial = try BrentMinimize.minimize({ (x: T) in x < 1 ? .infinity : (x - 2) * (x - 2) }, in: 0, 5)
  #expect(abs(partial.x - 2) <= xTolerance * 2)
}

@Test func brentMinimizeBracketAndErrorsFloat() throws { try minimizeBracketAndErrors(Float.self, xTolerance: 1e-3) }
@Test func brentMinimizeBracketAndErrorsDouble() throws { try minimizeBracketAndErrors(Double.self, xTolerance: 1e-7) }
