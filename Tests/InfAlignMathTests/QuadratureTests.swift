import Foundation
import InfAlignMath
import Testing

@Test func gaussLegendreIsExactForPolynomials() {
  for n in [1, 2, 3, 5, 8, 20, 64, 200] {
    let rule = GaussLegendre.rule(order: n)
    #expect(abs(rule.weights.reduce(0, +) - 2) < 1e-13)
    #expect(rule.nodes == rule.nodes.sorted())
    // ∫_0^1 x^d = 1/(d+1) for d ≤ 2n − 1.
    for d in [0, 2 * n - 1, n] {
      let v = rule.integrate({ pow($0, Double(d)) }, over: 0, 1)
      #expect(relClose(v, 1 / Double(d + 1), 1e-13), "order \(n), degree \(d)")
    }
  }
  #expect(GaussLegendre.rule(order: 3).nodes.count == 3)
}

@Test func gaussLegendreSmoothIntegrals() {
  let gl = GaussLegendre.rule(order: 30)
  #expect(relClose(gl.integrate({ exp($0) }, over: 0, 1), M_E - 1, 1e-14))
  #expect(relClose(gl.integrate({ 1 / (1 + $0 * $0) }, over: 0, 1, panels: 4), Double.pi / 4, 1e-14))
  #expect(relClose(gl.integrate({ sin(50 * $0) }, over: 0, 1, panels: 8), (1 - cos(50.0)) / 50, 1e-12))
  // Peaked: ∫_0^1 e^{(u−1)/β} du = β(1 − e^{−1/β}), panels graded toward 1.
  let beta = 1e-3
  var breaks = [0.0]
  var w = 0.5
  while w > 1e-7 { breaks.append(1 - w); w /= 2 }
  breaks.append(1)
  let peaked = gl.integrate({ exp(($0 - 1) / beta) }, breakpoints: breaks)
  #expect(relClose(peaked, beta * -expm1(-1 / beta), 1e-12))
  let f: Float = gl.integrate({ (x: Float) in Float.exp(x) }, over: 0, 1)
  #expect(abs(Double(f) - (M_E - 1)) < 1e-5)
}

@Test func adaptiveGaussKronrod() throws {
  let r = try GaussKronrod.integrate({ exp($0) }, over: 0, 1)
  #expect(relClose(r.value, M_E - 1, 1e-14))
  let beta = 1e-3
  let peaked = try GaussKronrod.integrate({ exp(($0 - 1) / beta) }, over: 0, 1)
  #expect(relClose(peaked.value, beta * -expm1(-1 / beta), 1e-12))
  let osc = try GaussKronrod.integrate({ sin(50 * $0) }, over: 0, 1)
  #expect(relClose(osc.value, (1 - cos(50.0)) / 50, 1e-12))
  let atan = try GaussKronrod.integrate({ 1 / (1 + $0 * $0) }, over: -3, 5)
  #expect(relClose(atan.value, Foundation.atan(5.0) + Foundation.atan(3.0), 1e-13))
  // Vector-valued: three moments of e^x at once.
  var values: [Double] = []
  _ = try GaussKronrod.integrate(components: 3, { x, out in
    out[0] = exp(x); out[1] = x * exp(x); out[2] = x * x * exp(x)
  }, over: 0, 1, into: &values)
  #expect(relClose(values[0], M_E - 1, 1e-13) && relClose(values[1], 1, 1e-13) && relClose(values[2], M_E - 2, 1e-13))
  // Budget exhausted.
  #expect(throws: MathError.self) {
    try GaussKronrod.integrate({ 1 / sqrt($0 + 1e-300) }, over: 0, 1, relativeTolerance: 1e-15, maxEvaluations: 200)
  }
  #expect(throws: MathError.self) { try GaussKronrod.integrate({ _ in .nan }, over: 0, 1) }
}

@Test func tanhSinhEndpointSingularities() throws {
  #expect(relClose(try TanhSinh.integrate({ log($0) }, over: 0, 1).value, -1, 1e-13))
  #expect(relClose(try TanhSinh.integrate({ 1 / sqrt($0) }, over: 0, 1).value, 2, 1e-12))
  let ll = try TanhSinh.integrate({ log($0) * log1p(-$0) }, over: 0, 1)
  #expect(relClose(ll.value, 2 - Double.pi * Double.pi / 6, 1e-12))
  #expect(relClose(try TanhSinh.integrate({ exp($0) }, over: 0, 1).value, M_E - 1, 1e-14))
  #expect(try TanhSinh.integrate({ $0 }, over: 2, 2).value == 0)
}
