/// Errors thrown by `InfAlignMath` for data-dependent failures.
///
/// Every case names what went wrong and where (row, column, routine, value), so that a message surfaced to a
/// user points at the offending input. Programmer errors (wrong buffer sizes passed by code, negative
/// dimensions) are `precondition` failures instead.
public enum MathError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A LAPACK routine returned `info != 0`. Negative `info`: argument `-info` was illegal. Positive:
  /// routine-specific (for `potrf`, the leading minor of order `info` is not positive definite; for
  /// `gesv`/`sysv`, the factor `U(info, info)` is exactly zero, so the matrix is singular).
  case lapack(routine: String, info: Int)
  /// A NaN or infinity where only finite values are allowed (or a NaN where no NaN is allowed).
  case nonFinite(row: Int, column: Int, value: Double)
  /// A row with no mass: every entry is −∞, so it cannot be normalized (softmax of an all −∞ row).
  case zeroMass(row: Int)
  /// A data-dependent argument is out of its domain; the message says which and why.
  case invalidArgument(String)
  /// A root finder could not find a sign change, even after expanding the bracket.
  case noBracket(lower: Double, upper: Double, fLower: Double, fUpper: Double)
  /// An iterative method stopped at its iteration cap before meeting its tolerance.
  case noConvergence(method: String, iterations: Int, estimate: Double, tolerance: Double)
  /// An adaptive quadrature could not reach the requested accuracy within its evaluation budget.
  case quadratureTolerance(achieved: Double, requested: Double)

  /// Equality that treats two NaN payloads as equal (so an error naming a NaN equals itself).
  public static func == (lhs: MathError, rhs: MathError) -> Bool {
    func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }
    switch (lhs, rhs) {
    case let (.lapack(r1, i1), .lapack(r2, i2)): return r1 == r2 && i1 == i2
    case let (.nonFinite(r1, c1, v1), .nonFinite(r2, c2, v2)): return r1 == r2 && c1 == c2 && same(v1, v2)
    case let (.zeroMass(r1), .zeroMass(r2)): return r1 == r2
    case let (.invalidArgument(m1), .invalidArgument(m2)): return m1 == m2
    case let (.noBracket(a1, b1, fa1, fb1), .noBracket(a2, b2, fa2, fb2)):
      return same(a1, a2) && same(b1, b2) && same(fa1, fa2) && same(fb1, fb2)
    case let (.noConvergence(m1, i1, e1, t1), .noConvergence(m2, i2, e2, t2)):
      return m1 == m2 && i1 == i2 && same(e1, e2) && same(t1, t2)
    case let (.quadratureTolerance(a1, r1), .quadratureTolerance(a2, r2)): return same(a1, a2) && same(r1, r2)
    default: return false
    }
  }

  public var description: String {
    switch self {
    case let .lapack(routine, info):
      if info < 0 { return "LAPACK \(routine): argument \(-info) had an illegal value (info = \(info))" }
      return "LAPACK \(routine) failed with info = \(info) (matrix singular or not positive definite at order \(info))"
    case let .nonFinite(row, column, value):
      return "non-finite value \(value) at row \(row), column \(column)"
    case let .zeroMass(row):
      return "row \(row) has no mass: every entry is -infinity, so it cannot be normalized"
    case let .invalidArgument(message):
      return message
    case let .noBracket(lower, upper, fLower, fUpper):
      return "no sign change found on [\(lower), \(upper)] (f = \(fLower), \(fUpper)) after bracket expansion"
    case let .noConvergence(method, iterations, estimate, tolerance):
      return "\(method) did not converge in \(iterations) iterations (estimate \(estimate), tolerance \(tolerance))"
    case let .quadratureTolerance(achieved, requested):
      return "quadrature reached error estimate \(achieved), above the requested \(requested)"
    }
  }
}
