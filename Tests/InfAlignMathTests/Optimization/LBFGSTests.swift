import InfAlignMath
import Testing

/// The Rosenbrock valley (negated, so the maximum is 0 at (1, 1)) from the classic start (−1.2, 1).
@Test func lbfgsClimbsRosenbrock() {
  let result = LBFGS.maximize(from: [-1.2, 1], maxIterations: 500) { x in
    let (a, b) = (1 - x[0], x[1] - x[0] * x[0])
    return (-(a * a + 100 * b * b), [2 * a + 400 * x[0] * b, -200 * b])
  }
  #expect(abs(result.x[0] - 1) < 1e-6 && abs(result.x[1] - 1) < 1e-6, "\(result.x)")
  #expect(result.value > -1e-12)
  #expect(result.iterations < 200)
}

/// A concave quadratic `−½ xᵀAx + bᵀx` in 20 dimensions: the maximizer solves `Ax = b` (A tridiagonal, known
/// solution), found in a few dozen iterations.
@Test func lbfgsMaximizesAConcaveQuadratic() {
  let n = 20
  let solution = (0..<n).map { Double($0 % 5) - 2 }
  func apply(_ x: [Double]) -> [Double] {
    (0..<n).map { i in 4 * x[i] - (i > 0 ? x[i - 1] : 0) - (i + 1 < n ? x[i + 1] : 0) }
  }
  let b = apply(solution)
  let result = LBFGS.maximize(from: [Double](repeating: 0, count: n), maxIterations: 200) { x in
    let ax = apply(x)
    var value = 0.0
    for i in 0..<n { value += -0.5 * x[i] * ax[i] + b[i] * x[i] }
    return (value, (0..<n).map { b[$0] - ax[$0] })
  }
  for i in 0..<n { #expect(abs(result.x[i] - solution[i]) < 1e-8) }
  #expect(result.gradientNorm < 1e-8)
}

/// A value of −∞ rejects a step: the ascent of `x` capped by a wall at 2 stays inside, and no iteration limit of 0
/// moves the start.
@Test func lbfgsRespectsRejectedStepsAndLimits() {
  let result = LBFGS.maximize(from: [0], maxIterations: 100) { x in x[0] > 2 ? (-.infinity, [0]) : (x[0], [1]) }
  #expect(result.x[0] <= 2 && result.x[0] > 1)
  let unmoved = LBFGS.maximize(from: [0.5], maxIterations: 0) { x in (-x[0] * x[0], [-2 * x[0]]) }
  #expect(unmoved.x == [0.5] && unmoved.iterations == 0)
}
