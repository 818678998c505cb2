import InfAlignMath
import RealModule
import Testing

/// With a constant gradient `g`, the bias-corrected moments are exactly `m̂ = g`, `v̂ = g²` at every step, so each
/// step is `η·g/(|g| + ε)` (the first step of any gradient too): the closed form, for each coordinate.
private func checkConstantGradient<T: BLASScalar>(_: T.Type, tolerance: Double) {
  var adam = Adam<T>(learningRate: 0.05)
  let gradient: [T] = [3, -0.25, 1e-3, 0, 40]
  var theta: [T] = [1, 2, -3, 0.5, 0]
  let start = theta
  for k in 1...25 {
    theta.withUnsafeMutableBufferPointer { p in
      gradient.withUnsafeBufferPointer { adam.step(p, gradient: $0) }
    }
    for i in theta.indices {
      let g = Double(gradient[i])
      let expected = Double(start[i]) + Double(k) * 0.05 * g / (Swift.abs(g) + Double(adam.epsilon))
      #expect(isClose(Double(theta[i]), expected, tolerance), "step \(k), coordinate \(i)")
    }
  }
}

@Test func adamConstantGradientStepsDouble() { checkConstantGradient(Double.self, tolerance: 1e-13) }
@Test func adamConstantGradientStepsFloat() { checkConstantGradient(Float.self, tolerance: 2e-5) }

/// Ascent: the maximizer of the concave `−Σ wᵢ(θᵢ − cᵢ)²` is reached from far away.
@Test func adamClimbsAConcaveQuadratic() {
  var adam = Adam<Double>(learningRate: 0.05)
  let c = [1.5, -2.0, 0.25], w = [1.0, 10.0, 0.1]
  var theta = [0.0, 0.0, 0.0]
  for _ in 0..<4000 {
    let gradient = (0..<3).map { -2 * w[$0] * (theta[$0] - c[$0]) }
    theta.withUnsafeMutableBufferPointer { p in gradient.withUnsafeBufferPointer { adam.step(p, gradient: $0) } }
  }
  for i in 0..<3 { #expect(Swift.abs(theta[i] - c[i]) < 1e-3, "coordinate \(i): \(theta[i])") }
}
