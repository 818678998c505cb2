import RealModule

/// A transform `Φ` of the calibrated reward `u ∈ [0, 1]`: KL-RL with reward `Φ(C)` and weight `β` serves the
/// calibrated density `f(u) = exp(Φ(u)/β) / Z` (MATH.md §3–4).
///
/// Kinds (see ``Kind``): identity `u`; exponential `exp(t·u)`; negative exponential `−exp(−t·u)`; `log u` and
/// `logit u` with a smoothing `ε`; power `u^p`; a user closure; a piecewise-linear table (for numerically found
/// transforms). Constructors validate their parameters and throw
/// ``InfAlignError/invalidParameter(name:value:reason:)``.
///
/// Domain: every evaluation first clamps `u` into `[0, 1]` (calibrated rewards live there; the clamp keeps rounding
/// slop such as `1 + 1e-16` from turning into a NaN). A NaN `u` gives NaN.
///
/// ```swift
/// let phi = try Transform(parsing: "exp:2.5")
/// phi.value(0.4)                    // exp(1.0)
/// var values = array.mutableSpan
/// phi.apply(to: &values)           // in place, Float or Double
/// ```
public struct Transform: Sendable, CustomStringConvertible {
  /// What a transform computes. Parameters are validated by the constructors of ``Transform``.
  public enum Kind: Sendable {
    /// `Φ(u) = u`.
    case identity
    /// `Φ(u) = exp(t·u)`, `t ≥ 0` (suited to best-of-N). `t = 0` is the constant 1.
    case exponential(rate: Double)
    /// `Φ(u) = −exp(−t·u)`, `t ≥ 0` (suited to worst-of-N). `t = 0` is the constant −1.
    case negativeExponential(rate: Double)
    /// `Φ(u) = log(max(u, ε))`, `0 ≤ ε < 1`: `u` is clamped into `[ε, 1]`. `ε = 0` means no smoothing, `Φ(0) = −∞`.
    case log(epsilon: Double)
    /// `Φ(u) = log(v / (1 − v))` with `v` = `u` clamped into `[ε, 1 − ε]`, `0 ≤ ε < ½`. `ε = 0` means no
    /// smoothing: `Φ(0) = −∞`, `Φ(1) = +∞`. Above ½ the clamp is applied to `1 − u` (exact there), as
    /// `1 − v = max(1 − u, ε)`, so the upper bound is `ε` away from 1 exactly even in `Float`, where `1 − ε` itself
    /// is not representable for small `ε`; `Φ(1) = −Φ(0)` up to rounding.
    case logit(epsilon: Double)
    /// `Φ(u) = u^p`, `p > 0`.
    case power(exponent: Double)
    /// A user-supplied closure.
    case custom(Custom)
    /// Piecewise-linear interpolation of a table.
    case tabulated(Table)
  }

  /// A user-supplied transform: a name for printing, the function, and optionally its derivative.
  public struct Custom: Sendable {
    /// The name printed by ``Transform/description``.
    public let name: String
    /// `Φ(u)`, called with `u ∈ [0, 1]`.
    public let value: @Sendable (Double) -> Double
    /// `Φ'(u)`, or `nil` to use a finite difference (see ``Transform/derivative(_:)``).
    public let derivative: (@Sendable (Double) -> Double)?
  }

  /// The smoothing used by `log` and `logit` when none is given: `1e-6`.
  public static let defaultEpsilon: Double = 1e-6

  /// What this transform computes.
  public let kind: Kind

  @usableFromInline init(kind: Kind) { self.kind = kind }

  // MARK: Constructors

  /// `Φ(u) = u`.
  public static let identity = Transform(kind: .identity)

  /// `Φ(u) = exp(t·u)`. `t = 0` gives the constant 1.
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` unless `t` is finite and `t ≥ 0`.
  public static func exponential(rate t: Double) throws(InfAlignError) -> Transform {
    guard t.isFinite, t >= 0 else {
      throw .invalidParameter(name: "rate t", value: t, reason: "must be finite and >= 0")
    }
    return Transform(kind: .exponential(rate: t))
  }

  /// `Φ(u) = −exp(−t·u)`. `t = 0` gives the constant −1.
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` unless `t` is finite and `t ≥ 0`.
  public static func negativeExponential(rate t: Double) throws(InfAlignError) -> Transform {
    guard t.isFinite, t >= 0 else {
      throw .invalidParameter(name: "rate t", value: t, reason: "must be finite and >= 0")
    }
    return Transform(kind: .negativeExponential(rate: t))
  }

  /// `Φ(u) = log(max(u, ε))`; `ε = 0` means no smoothing (`Φ(0) = −∞`).
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` unless `0 ≤ ε < 1`.
  public static func log(epsilon: Double = defaultEpsilon) throws(InfAlignError) -> Transform {
    guard epsilon >= 0, epsilon < 1 else {
      throw .invalidParameter(name: "log smoothing epsilon", value: epsilon, reason: "must be in [0, 1)")
    }
    return Transform(kind: .log(epsilon: epsilon))
  }

  /// `Φ(u) = logit(v)` with `v` = `u` clamped into `[ε, 1 − ε]`; `ε = 0` means no smoothing (`Φ(0) = −∞`,
  /// `Φ(1) = +∞`).
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` unless `0 ≤ ε < ½`.
  public static func logit(epsilon: Double = defaultEpsilon) throws(InfAlignError) -> Transform {
    guard epsilon >= 0, epsilon < 0.5 else {
      throw .invalidParameter(name: "logit smoothing epsilon", value: epsilon, reason: "must be in [0, 0.5)")
    }
    return Transform(kind: .logit(epsilon: epsilon))
  }

  /// `Φ(u) = u^p`.
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` unless `p` is finite and `p > 0`.
  public static func power(_ p: Double) throws(InfAlignError) -> Transform {
    guard p.isFinite, p > 0 else {
      throw .invalidParameter(name: "exponent p", value: p, reason: "must be finite and > 0")
    }
    return Transform(kind: .power(exponent: p))
  }

  /// A transform computed by `body`, printed as `name`.
  ///
  /// A custom transform cannot be parsed back from its description. Without `derivative`, ``derivative(_:)``
  /// uses a central difference (see there).
  public static func custom(
    name: String, derivative: (@Sendable (Double) -> Double)? = nil, _ body: @escaping @Sendable (Double) -> Double
  ) -> Transform {
    Transform(kind: .custom(Custom(name: name, value: body, derivative: derivative)))
  }

  /// Piecewise-linear interpolation of `values` on the strictly increasing `grid` in `[0, 1]`, extended by constants
  /// outside the grid.
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` naming the offending entry (see ``Table``).
  public static func tabulated(grid: [Double], values: [Double], source: String? = nil) throws(InfAlignError)
    -> Transform
  {
    Transform(kind: .tabulated(try Table(grid: grid, values: values, source: source)))
  }

  // MARK: Evaluation

  /// `u` clamped into `[0, 1]`; NaN stays NaN.
  @inlinable @inline(__always)
  static func clampUnit<T: BLASScalar>(_ u: T) -> T { u < 0 ? 0 : (u > 1 ? 1 : u) }

  /// `logit` of `u ∈ [0, 1]` clamped into `[ε, 1 − ε]`, the upper clamp applied to the exact `1 − u` (see
  /// ``Kind/logit(epsilon:)``). NaN gives NaN.
  @inlinable @inline(__always)
  static func logit<T: BLASScalar>(_ u: T, _ epsilon: T) -> T {
    if u > 0.5 {
      let w = 1 - u
      let complement = w < epsilon ? epsilon : w
      return T.log((1 - complement) / complement)
    }
    let v = u < epsilon ? epsilon : u
    return T.log(v / (1 - v))
  }

  /// `Φ(u)` in the precision of `T` (closures and tables are evaluated in `Double`). `u` is clamped into `[0, 1]`.
  ///
  /// Parameters are rounded to `T` first (an `ε` below `T`'s smallest magnitude becomes 0), and results outside
  /// `T`'s range overflow as usual: in `Float`, `exp(t·u)` is `+∞` once `t·u > 88.7`.
  @inlinable
  public func apply<T: BLASScalar>(_ u: T) -> T {
    let u = Transform.clampUnit(u)
    switch kind {
    case .identity:
      return u
    case let .exponential(t):
      return T.exp(T(t) * u)
    case let .negativeExponential(t):
      return -T.exp(-T(t) * u)
    case let .log(epsilon):
      let e = T(epsilon)
      return T.log(u < e ? e : u)
    case let .logit(epsilon):
      return Transform.logit(u, T(epsilon))
    case let .power(p):
      return T.pow(u, T(p))
    case let .custom(c):
      return T(c.value(Double(u)))
    case let .tabulated(table):
      return T(table.value(Double(u)))
    }
  }

  /// Replaces every element `u` of `values` by `Φ(u)`, in place, exactly as the scalar ``apply(_:)`` would
  /// (on an array: `var values = array.mutableSpan; transform.apply(to: &values)`).
  ///
  /// The kind is dispatched once per call; the loops run over contiguous memory with no allocation and no branch
  /// on the kind, so they can be embedded in training code on caller-owned memory.
  /// - Complexity: O(n) (O(n log m) for a table of m points).
  @inlinable
  public func apply<T: BLASScalar>(to values: inout MutableSpan<T>) {
    values.withUnsafeMutableBufferPointer { apply(to: $0) }
  }

  /// The buffer form of ``apply(to:)``, for this package's modules (the C ABI).
  @inlinable
  package func apply<T: BLASScalar>(to buffer: UnsafeMutableBufferPointer<T>) {
    guard let p = buffer.baseAddress else { return }
    let n = buffer.count
    switch kind {
    case .identity:
      for i in 0..<n { p[i] = Transform.clampUnit(p[i]) }
    case let .exponential(t):
      let t = T(t)
      for i in 0..<n { p[i] = T.exp(t * Transform.clampUnit(p[i])) }
    case let .negativeExponential(t):
      let t = -T(t)
      for i in 0..<n { p[i] = -T.exp(t * Transform.clampUnit(p[i])) }
    case let .log(epsilon):
      let e = T(epsilon)
      for i in 0..<n {
        let u = Transform.clampUnit(p[i])
        p[i] = T.log(u < e ? e : u)
      }
    case let .logit(epsilon):
      let e = T(epsilon)
      for i in 0..<n { p[i] = Transform.logit(Transform.clampUnit(p[i]), e) }
    case let .power(exponent):
      let e = T(exponent)
      for i in 0..<n { p[i] = T.pow(Transform.clampUnit(p[i]), e) }
    case .custom, .tabulated:
      for i in 0..<n { p[i] = apply(p[i]) }
    }
  }

  /// `Φ(u)` in `Double`; `u` is clamped into `[0, 1]`.
  @inlinable
  public func value(_ u: Double) -> Double { apply(u) }

  /// `Φ(u)`; same as ``value(_:)``.
  @inlinable
  public func callAsFunction(_ u: Double) -> Double { apply(u) }

  /// `Φ'(u)`, evaluated at `u` clamped into `[0, 1]`.
  ///
  /// Edge cases: where `log`/`logit` clamp `u` (below `ε`, above `1 − ε`) the derivative is 0; at the clamp points
  /// themselves it is the unclamped formula. Without smoothing, `log` and `logit` have derivative `+∞` at `u = 0`
  /// (and `logit` at `u = 1`). `power` at `u = 0`: `+∞` for `p < 1`, 1 for `p = 1`, 0 for `p > 1`. A table gives the
  /// slope of the interval `[uᵢ, uᵢ₊₁)` containing `u` (the last interval is closed), and 0 outside the grid.
  /// A custom transform without a derivative uses the difference quotient on `[u − h, u + h] ∩ [0, 1]`,
  /// `h = 2⁻¹⁷ ≈ 7.6e-6` (relative accuracy about `1e-10` for smooth `Φ` of moderate size).
  public func derivative(_ u: Double) -> Double {
    let u = Transform.clampUnit(u)
    switch kind {
    case .identity:
      return u.isNaN ? u : 1
    case let .exponential(t):
      return t * Double.exp(t * u)
    case let .negativeExponential(t):
      return t * Double.exp(-t * u)
    case let .log(epsilon):
      return u < epsilon ? 0 : 1 / u
    case let .logit(epsilon):
      return (u < epsilon || 1 - u < epsilon) ? 0 : 1 / (u * (1 - u))
    case let .power(p):
      return p == 1 ? (u.isNaN ? u : 1) : p * Double.pow(u, p - 1)
    case let .custom(c):
      if let d = c.derivative { return d(u) }
      let h = 0x1p-17
      let a = Swift.max(u - h, 0), b = Swift.min(u + h, 1)
      return (c.value(b) - c.value(a)) / (b - a)
    case let .tabulated(table):
      return table.slope(u)
    }
  }

  /// Whether `Φ` is bounded below on `[0, 1]`: false only for `log` and `logit` without smoothing (`ε = 0`), and
  /// for a custom transform whose value at 0 is not finite (only the endpoint is checked).
  public var isBoundedBelow: Bool {
    switch kind {
    case let .log(epsilon), let .logit(epsilon): return epsilon > 0
    case let .custom(c): return c.value(0).isFinite
    default: return true
    }
  }

  /// Whether `Φ` is bounded above on `[0, 1]`: false only for `logit` without smoothing (`ε = 0`), and for a custom
  /// transform whose value at 1 is not finite (only the endpoint is checked).
  public var isBoundedAbove: Bool {
    switch kind {
    case let .logit(epsilon): return epsilon > 0
    case let .custom(c): return c.value(1).isFinite
    default: return true
    }
  }
}
