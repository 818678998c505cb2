import Foundation
import InfAlignMath
import Testing

@Test func brentRootFindsKnownRoots() throws {
  let dottie = try BrentRoot.solve({ cos($0) - $0 }, in: 0, 1)
  #expect(abs(dottie - 0.7390851332151607) < 1e-14)
  let cubic = try BrentRoot.solve({ $0 * $0 * $0 - 2 * $0 - 5 }, in: 2, 3)
  #expect(abs(cubic - 2.0945514815423265) < 1e-14)
  #expect(try BrentRoot.solve({ $0 - 1 }, in: 1, 2) == 1)  // root at an end
  // Additive expansion from a bracket that misses the root.
  let far = try BrentRoot.solve({ $0 - 37.5 }, in: 0, 1, expansion: .additive())
  #expect(abs(far - 37.5) < 1e-12)
  // Multiplicative expansion in a positive parameter: 1/β = 1e3.
  let beta = try BrentRoot.solve({ log(1 / $0) - log(1e3) }, in: 0.5, 2, expansion: .multiplicative())
  #expect(relClose(beta, 1e-3, 1e-12))
}

@Test func brentRootErrors() {
  #expect(throws: MathError.self) { try BrentRoot.solve({ $0 * $0 + 1 }, in: -1, 1) }
  do {
    _ = try BrentRoot.solve({ $0 * $0 + 1 }, in: -1, 1, expansion: .additive(maxSteps: 5))
    Issue.record("expected noBracket")
  } catch {
    if case .noBracket = error {} else { Issue.record("wrong error \(error)") }
  }
  do {
    _ = try BrentRoot.solve({ exp($0) - 2 }, in: -50, 50, maxIterations: 2)
    Issue.record("expected noConvergence")
  } catch {
    guard case .noConvergence(let method, let iterations, _, _) = error else { Issue.record("wrong error \(error)"); return }
    #expect(method == "Brent root" && iterations == 2)
  }
  #expect(throws: MathError.invalidArgument("function returned NaN at x = 0.0")) {
    try BrentRoot.solve({ $0 == 0 ? .nan : $0 }, in: 0, 1)
  }
}

@Test func brentMinimize() throws {
  let r = try BrentMinimize.minimize({ ($0 - 2) * ($0 - 2) + 1 }, in: 0, 5)
  #expect(abs(r.x - 2) < 1e-7 && abs(r.value - 1) < 1e-14)
  let c = try BrentMinimize.minimize({ cos($0) }, in: 2, 5)
  #expect(abs(c.x - Double.pi) < 1e-7)
  let edge = try BrentMinimize.minimize({ $0 }, in: 1, 3)
  #expect(abs(edge.x - 1) < 1e-6)
  let mx = try BrentMinimize.maximize({ -($0 - 0.3) * ($0 - 0.3) }, in: 0, 1)
  #expect(abs(mx.x - 0.3) < 1e-7)
  #expect(throws: MathError.self) { try BrentMinimize.minimize({ $0 }, in: 0, 1, maxIterations: 1) }
}
