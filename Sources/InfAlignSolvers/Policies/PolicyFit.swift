/// Fitting a ``LogLinearPolicy`` by gradient ascent.
public enum PolicyFit {
  /// Why a fit stopped.
  public enum StopReason: String, Sendable {
    case gradientNorm = "gradient norm below tolerance"
    case objectiveChange = "objective change below tolerance"
    case iterationCap = "iteration cap reached"
    case callback = "stopped by the progress callback"
  }

  public struct Result<T: BLASScalar>: Sendable {
    public var theta: Matrix<T>
    public var objectives: [T]
    public var gradientNorm: T
    public var iterations: Int
    public var reason: StopReason
  }

  /// Runs `optimizer` on `Θ` until the gradient's max-norm is below `gradientTolerance`, the largest objective change
  /// is below `objectiveTolerance`, `maxIterations`, or `progress` returns false.
  ///
  /// - Parameters:
  ///   - policy: the policy whose objectives and gradient are evaluated at each `Θ`.
  ///   - theta: the starting `Θ`.
  ///   - optimizer: the ascent step (e.g. `Adam`), its state carried across calls.
  ///   - maxIterations: the iteration cap.
  ///   - gradientTolerance: stop when the gradient's max-norm is at most this.
  ///   - objectiveTolerance: stop when no objective changed by more than this in one iteration (0: never).
  ///   - requireConvergence: throw ``InfAlignError/math(_:)`` (`noConvergence`) at the cap instead of
  ///     returning a result with reason ``StopReason/iterationCap``.
  ///   - progress: called after each iteration with its number, the objectives and the gradient norm; returning
  ///     `false` stops the fit (reason ``StopReason/callback``).
  public static func fit<T: BLASScalar, O: AscentOptimizer>(
    _ policy: inout LogLinearPolicy<T>, initial theta: Matrix<T>, optimizer: inout O, maxIterations: Int = 10_000,
    gradientTolerance: T = 1e-10, objectiveTolerance: T = 0, requireConvergence: Bool = false,
    progress: ((_ iteration: Int, _ objectives: [T], _ gradientNorm: T) -> Bool)? = nil
  ) throws(InfAlignError) -> Result<T> where O.Scalar == T {
    var theta = theta
    var gradient = Matrix<T>(rows: theta.rows, columns: theta.columns)
    var previous: [T]? = nil
    var objectives: [T] = []
    var norm: T = .infinity
    for iteration in 1...Swift.max(1, maxIterations) {
      objectives = try policy.evaluate(theta: theta, gradient: &gradient)
      norm = gradient.storage.reduce(T(0)) { Swift.max($0, abs($1)) }
      if norm <= gradientTolerance {
        return Result(theta: theta, objectives: objectives, gradientNorm: norm, iterations: iteration, reason: .gradientNorm)
      }
      if let previous, objectiveTolerance > 0,
        zip(previous, objectives).allSatisfy({ abs($0 - $1) <= objectiveTolerance }) {
        return Result(theta: theta, objectives: objectives, gradientNorm: norm, iterations: iteration,
                      reason: .objectiveChange)
      }
      if let progress, !progress(iteration, objectives, norm) {
        return Result(theta: theta, objectives: objectives, gradientNorm: norm, iterations: iteration, reason: .callback)
      }
      previous = objectives
      let g = gradient
      theta.withUnsafeMutableBufferPointer { t in g.withUnsafeBufferPointer { optimizer.step(t, gradient: $0) } }
    }
    if requireConvergence {
      throw .math(.noConvergence(method: "policy fit", iterations: maxIterations, estimate: Double(norm),
                                 tolerance: Double(gradientTolerance)))
    }
    return Result(theta: theta, objectives: objectives, gradientNorm: norm, iterations: maxIterations,
                  reason: .iterationCap)
  }
}
