/// The outcome of an adaptive quadrature that does not throw when its budget runs out.
///
/// Returned by ``GaussKronrod/integrateBestEffort(_:breakpoints:absoluteTolerance:relativeTolerance:maxEvaluations:)``
/// and ``TanhSinh/integrateBestEffort(_:over:_:absoluteTolerance:relativeTolerance:maxLevels:)``: `value` is the best
/// estimate available either way, and `converged` says whether `errorEstimate` met the requested tolerance.
public struct QuadratureResult: Sendable, Equatable {
  /// The integral estimate.
  public var value: Double
  /// The estimated absolute error of `value`.
  public var errorEstimate: Double
  /// How many times the integrand was evaluated.
  public var evaluations: Int
  /// Whether `errorEstimate ≤ max(absoluteTolerance, relativeTolerance·|value|)`.
  public var converged: Bool

  /// A result from its parts.
  public init(value: Double, errorEstimate: Double, evaluations: Int, converged: Bool) {
    self.value = value
    self.errorEstimate = errorEstimate
    self.evaluations = evaluations
    self.converged = converged
  }
}

/// The outcome of an adaptive quadrature of a vector-valued integrand (several integrals on shared nodes).
///
/// Returned by
/// ``GaussKronrod/integrateBestEffort(components:breakpoints:absoluteTolerance:relativeTolerance:maxEvaluations:_:)``.
public struct VectorQuadratureResult: Sendable, Equatable {
  /// The integral estimate of each component.
  public var values: [Double]
  /// The estimated absolute error of each component.
  public var errorEstimates: [Double]
  /// How many times the (vector) integrand was evaluated.
  public var evaluations: Int
  /// Whether every component met its tolerance `max(absoluteTolerance, relativeTolerance·|values[j]|)`.
  public var converged: Bool

  /// A result from its parts.
  public init(values: [Double], errorEstimates: [Double], evaluations: Int, converged: Bool) {
    self.values = values
    self.errorEstimates = errorEstimates
    self.evaluations = evaluations
    self.converged = converged
  }
}

/// Checks the tolerances shared by the adaptive quadratures: both finite and non-negative, not both zero.
func validateQuadratureTolerances(
  _ routine: String, absolute: Double, relative: Double
) throws(MathError) {
  guard absolute.isFinite, absolute >= 0, relative.isFinite, relative >= 0, absolute > 0 || relative > 0 else {
    throw .invalidArgument(
      "\(routine): tolerances must be finite and non-negative, not both zero (absolute \(absolute), "
        + "relative \(relative))")
  }
}
