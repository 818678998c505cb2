import InfAlignMath
import Testing

/// A contractive linear map `G(x) = A·x + b` in 4 dimensions and its fixed point by brute force (plain iteration
/// until it stops moving).
private let a: [[Double]] = [[0.5, 0.2, 0, 0.1], [-0.3, 0.6, 0.1, 0], [0.1, 0, 0.7, -0.2], [0, 0.25, 0.1, 0.4]]
private let b: [Double] = [1, -2, 0.5, 3]
private func g(_ x: [Double]) -> [Double] { (0..<4).map { i in (0..<4).reduce(b[i]) { $0 + a[i][$1] * x[$1] } } }
private let fixedPoint: [Double] = {
  var x = [Double](repeating: 0, count: 4)
  for _ in 0..<5000 { x = g(x) }
  return x
}()

/// Anderson acceleration with memory ≥ the dimension solves a linear fixed-point problem in about dimension + 1
/// steps (it is GMRES in exact arithmetic), where the plain iteration is still far off.
@Test func andersonSolvesALinearFixedPointInDimensionPlusOneSteps() {
  var history = AndersonHistory(depth: 5)
  var x = [Double](repeating: 0, count: 4), plain = x
  for _ in 0..<6 {
    let f = zip(g(x), x).map { $0 - $1 }
    history.record(x: x, f: f)
    x = history.step(x: x, f: f, alpha: 1, accelerate: true)
    plain = g(plain)
  }
  let error = zip(x, fixedPoint).map { Swift.abs($0 - $1) }.max()!
  let plainError = zip(plain, fixedPoint).map { Swift.abs($0 - $1) }.max()!
  #expect(error < 1e-10, "accelerated error \(error)")
  #expect(plainError > 1e-2, "plain error \(plainError)")
}

/// Without acceleration (or history) the step is the damped step `x + α·f`, exactly; after `reset()` too.
@Test func andersonPlainStepIsTheDampedStep() {
  var history = AndersonHistory(depth: 3)
  let x = [0.5, -1, 2, 0], f = zip(g(x), x).map { $0 - $1 }
  let damped = (0..<4).map { x[$0] + 0.7 * f[$0] }
  #expect(history.step(x: x, f: f, alpha: 0.7, accelerate: true) == damped)  // no history yet
  history.record(x: x, f: f)
  let y = damped, fy = zip(g(y), y).map { $0 - $1 }
  history.record(x: y, f: fy)
  #expect(history.step(x: y, f: fy, alpha: 0.7, accelerate: false) == (0..<4).map { y[$0] + 0.7 * fy[$0] })
  #expect(history.step(x: y, f: fy, alpha: 0.7, accelerate: true) != (0..<4).map { y[$0] + 0.7 * fy[$0] })
  history.reset()
  #expect(history.step(x: y, f: fy, alpha: 0.7, accelerate: true) == (0..<4).map { y[$0] + 0.7 * fy[$0] })
}
