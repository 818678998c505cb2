/// Limited-memory BFGS ascent: maximizes a smooth function from its value and gradient (Nocedal & Wright,
/// *Numerical Optimization*, Algorithm 7.4 for the two-loop recursion, 3.1 for the backtracking line search).
///
/// The direction is the two-loop recursion over the last `memory` curvature pairs (a pair is kept only when
/// `sᵀy > 0`); the first step is scaled to move by ~1e-2 of the gradient's max norm, later ones by `sᵀy/yᵀy`.
/// The line search halves the step (at most 40 times) until the Armijo condition `f(x + t·d) ≥ f(x) + 1e-4·t·∇fᵀd`
/// holds; a function value of −∞ rejects a step (a caller's way to keep iterates inside a region).
///
/// Stops when the max-norm of the gradient is ≤ 1e-15, when an accepted step improves the value by ≤ 0, or by
/// ≤ 1e-15·max(1, |f|) with a gradient max-norm below 1e-9, when the line search fails, or after `maxIterations`.
/// A direction that is not an ascent direction clears the memory and retries once (on the first iteration) or stops.
package enum LBFGS {
  /// Where the ascent stopped.
  package struct Result {
    package var x: [Double]
    package var value: Double
    package var gradient: [Double]
    package var iterations: Int
    /// `max |∇f|` at `x`.
    package var gradientNorm: Double
  }

  /// Maximizes `f` (returning value and gradient) from `start`.
  ///
  /// - Complexity: per iteration O(memory·n) plus the evaluations of the line search (usually one).
  package static func maximize(
    from start: [Double], memory: Int = 10, maxIterations: Int, _ f: ([Double]) -> (value: Double, gradient: [Double])
  ) -> Result {
    let n = start.count
    var x = start
    var (value, gradient) = f(x)
    var sHistory: [[Double]] = [], yHistory: [[Double]] = []
    var iterations = 0
    var gradientNorm = maxNorm(gradient)
    while iterations < maxIterations && gradientNorm > 1e-15 {
      iterations += 1
      // Two-loop recursion on the minimization of −f (its gradient is −g).
      var q = gradient.map { -$0 }
      var alphas: [Double] = []
      for k in stride(from: sHistory.count - 1, through: 0, by: -1) {
        let rho = 1 / dot(yHistory[k], sHistory[k])
        let a = rho * dot(sHistory[k], q)
        alphas.append(a)
        for i in 0..<n { q[i] -= a * yHistory[k][i] }
      }
      let gammaScale: Double
      if let s = sHistory.last, let y = yHistory.last {
        gammaScale = dot(s, y) / dot(y, y)
      } else {
        gammaScale = 1 / Swift.max(gradientNorm, 1e-300) * 1e-2
      }
      for i in 0..<n { q[i] *= gammaScale }
      for k in 0..<sHistory.count {
        let rho = 1 / dot(yHistory[k], sHistory[k])
        let b = rho * dot(yHistory[k], q)
        let a = alphas[sHistory.count - 1 - k]
        for i in 0..<n { q[i] += sHistory[k][i] * (a - b) }
      }
      let direction = q.map { -$0 }  // ascent direction
      let slope = dot(direction, gradient)
      if !(slope > 0) {
        sHistory.removeAll()
        yHistory.removeAll()
        if iterations > 1 { break }
        continue
      }
      var step = 1.0
      var accepted = false
      var newX = x, newValue = value, newGradient = gradient
      for _ in 0..<40 {
        newX = (0..<n).map { x[$0] + step * direction[$0] }
        (newValue, newGradient) = f(newX)
        if newValue >= value + 1e-4 * step * slope {
          accepted = true
          break
        }
        step /= 2
      }
      if !accepted { break }
      let s = (0..<n).map { newX[$0] - x[$0] }, y = (0..<n).map { gradient[$0] - newGradient[$0] }
      if dot(s, y) > 0 {
        sHistory.append(s)
        yHistory.append(y)
        if sHistory.count > memory {
          sHistory.removeFirst()
          yHistory.removeFirst()
        }
      }
      let improvement = newValue - value
      (x, value, gradient) = (newX, newValue, newGradient)
      gradientNorm = maxNorm(gradient)
      if improvement <= 1e-15 * Swift.max(1, abs(value)) && gradientNorm < 1e-9 { break }
      if improvement <= 0 { break }
    }
    return Result(x: x, value: value, gradient: gradient, iterations: iterations, gradientNorm: gradientNorm)
  }

  static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
  static func maxNorm(_ a: [Double]) -> Double { a.reduce(0) { Swift.max($0, abs($1)) } }
}
