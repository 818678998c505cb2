/// The InfAlign setting: the procedure `T` serving the aligned policy and the procedure `T'` serving the reference
/// policy, compared by the inference-time win rate `W(T(π) ≻ T'(π_ref))` (MATH.md §1).
///
/// InfAlign's own setting is `T' = T`, the default. In calibrated space, with `g` the policy's CDF map and `g_ref`
/// the reference's: `W_T = ∫₀¹ g_ref(u)·g'(F(u))·f(u) du` (§3) and the optimal transform's slope is
/// `R'(v) = g_ref'(v)·g'(F(v))` (§5).
public struct InferenceSetting: Sendable, Hashable, CustomStringConvertible {
  /// `T`, the procedure applied to the aligned policy (CDF map `g`).
  public var policy: Procedure
  /// `T'`, the procedure applied to the reference policy (CDF map `g_ref`).
  public var reference: Procedure

  /// A setting with `reference` defaulting to `policy` (InfAlign's `T' = T`).
  public init(policy: Procedure, reference: Procedure? = nil) {
    self.policy = policy
    self.reference = reference ?? policy
  }

  /// Whether both sides use the same procedure.
  public var isSymmetric: Bool { policy == reference }

  /// `"POLICY"` when symmetric, else `"POLICY vs REFERENCE"`, each in ``Procedure``'s text form.
  public var description: String { isSymmetric ? policy.description : "\(policy) vs \(reference)" }

  /// The win-rate integrand `g_ref(u)·g'(F)·f` at a point `u` where the policy's calibrated CDF is `F` and its
  /// density is `f`. `u` and `F` are clamped into `[0, 1]` (see ``Procedure/value(_:)``).
  public func winRateIntegrand(u: Double, cdf F: Double, density f: Double) -> Double {
    reference.value(u) * policy.derivative(F) * f
  }

  /// The slope `R'(v) = g_ref'(v)·g'(F)` of the optimal transform's fixed-point map at `v`, where the policy's
  /// calibrated CDF is `F`.
  public func optimalTransformSlope(u v: Double, cdf F: Double) -> Double {
    reference.derivative(v) * policy.derivative(F)
  }
}
