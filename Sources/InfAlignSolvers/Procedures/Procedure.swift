import RealModule

/// An inference-time procedure, as the CDF map `g` it applies to the reward distribution: if a policy's reward has
/// CDF `F`, the served response's reward has CDF `g(F)` (MATH.md §1). `g` is increasing on `[0, 1]` with
/// `g(0) = 0` and `g(1) = 1`.
///
/// Kinds (see ``Kind``): standard sampling `g(F) = F`; best-of-N `Fᴺ`; worst-of-N `1 − (1 − F)ᴺ`; the k-th smallest
/// of N draws `P(Bin(N, F) ≥ k)`; mixtures `Σ wᵢ gᵢ`. Constructors validate their parameters.
///
/// Evaluation clamps `F` into `[0, 1]` (quadrature may overshoot 1 by an ulp); NaN gives NaN. `g(0) = 0` and
/// `g(1) = 1` exactly. Values and derivatives are accurate to a few ulps beyond the problem's own sensitivity to a
/// rounding of `F` (the condition number `F·g'(F)/g(F)`, up to `N` for best-of-N): in particular no cancellation in
/// `1 − (1 − F)ᴺ` for tiny `F` nor in `Fᴺ` near `F = 1`, for all `N` up to ``maximumN``.
///
/// ```swift
/// let bon = try Procedure(parsing: "bon:4")
/// bon.value(0.5)          // 0.0625
/// bon.derivative(0.5)     // 0.5
/// ```
public struct Procedure: Sendable, Hashable, CustomStringConvertible {
  /// What a procedure computes. Parameters are validated by the constructors of ``Procedure``.
  public enum Kind: Sendable, Hashable {
    /// Standard sampling: `g(F) = F`.
    case standard
    /// Best-of-N, the highest reward of N i.i.d. draws: `g(F) = Fᴺ`.
    case bestOf(Int)
    /// Worst-of-N, the lowest reward of N draws: `g(F) = 1 − (1 − F)ᴺ`.
    case worstOf(Int)
    /// The k-th smallest of N draws: `g(F) = P(Bin(N, F) ≥ k) = I_F(k, N − k + 1)`, `1 ≤ k ≤ N`.
    /// `k = N` is best-of-N, `k = 1` worst-of-N.
    case orderStatistic(k: Int, n: Int)
    /// `g = Σ wᵢ gᵢ / Σ wᵢ` over components that are not themselves mixtures, weights positive and summing to 1.
    case mixture([Component])
  }

  /// One weighted component of a mixture.
  public struct Component: Sendable, Hashable {
    /// The weight, positive and finite.
    public let weight: Double
    /// The component procedure (never a mixture).
    public let procedure: Procedure
  }

  /// The largest `N` accepted: 1,000,000.
  public static let maximumN = 1_000_000

  /// Tolerance on `|Σ wᵢ − 1|` for mixture weights: `1e-9`.
  public static let weightSumTolerance = 1e-9

  /// What this procedure computes.
  public let kind: Kind

  init(kind: Kind) { self.kind = kind }

  // MARK: Constructors

  /// Standard sampling, `g(F) = F`.
  public static let standard = Procedure(kind: .standard)

  static func checkN(_ n: Int) throws(InfAlignError) {
    guard n >= 1, n <= maximumN else {
      throw .invalidParameter(name: "N", value: Double(n), reason: "must be in 1...\(maximumN)")
    }
  }

  /// Best-of-N, `g(F) = Fᴺ`.
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` unless `1 ≤ n ≤` ``maximumN``.
  public static func bestOf(_ n: Int) throws(InfAlignError) -> Procedure {
    try checkN(n)
    return Procedure(kind: .bestOf(n))
  }

  /// Worst-of-N, `g(F) = 1 − (1 − F)ᴺ`.
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` unless `1 ≤ n ≤` ``maximumN``.
  public static func worstOf(_ n: Int) throws(InfAlignError) -> Procedure {
    try checkN(n)
    return Procedure(kind: .worstOf(n))
  }

  /// The k-th smallest of N draws, `g(F) = P(Bin(N, F) ≥ k)`.
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` unless `1 ≤ n ≤` ``maximumN`` and `1 ≤ k ≤ n`.
  public static func orderStatistic(_ k: Int, of n: Int) throws(InfAlignError) -> Procedure {
    try checkN(n)
    guard k >= 1, k <= n else {
      throw .invalidParameter(name: "k", value: Double(k), reason: "must be in 1...N = \(n)")
    }
    return Procedure(kind: .orderStatistic(k: k, n: n))
  }

  // MARK: Evaluation

  /// `F` clamped into `[0, 1]`; NaN stays NaN.
  @inline(__always)
  static func clampUnit(_ F: Double) -> Double { F < 0 ? 0 : (F > 1 ? 1 : F) }

  /// `g(F)`, the CDF of the served reward when the policy's reward has CDF `F`. `F` is clamped into `[0, 1]`;
  /// `g(0) = 0`, `g(1) = 1` exactly.
  /// - Complexity: O(1); O(√(N·F(1−F))) for an order statistic; the sum over components for a mixture.
  public func value(_ F: Double) -> Double {
    let F = Procedure.clampUnit(F)
    if F == 0 || F == 1 || F.isNaN { return F }
    switch kind {
    case .standard:
      return F
    case let .bestOf(n):
      return Double.pow(F, n)
    case let .worstOf(n):
      return -Double.expMinusOne(Double(n) * Double.log(onePlus: -F))
    case let .orderStatistic(k, n):
      return Binomial.upperTail(k, n, F)
    case let .mixture(components):
      return Self.mixtureMean(components) { $0.value(F) }
    }
  }

  /// `g(F)`; same as ``value(_:)``.
  public func callAsFunction(_ F: Double) -> Double { value(F) }

  /// `g'(F)`, at `F` clamped into `[0, 1]`, including the end points: best-of-N `N·Fᴺ⁻¹`, worst-of-N
  /// `N·(1 − F)ᴺ⁻¹`, order statistic `N·C(N−1, k−1)·Fᵏ⁻¹(1 − F)ᴺ⁻ᵏ`; a mixture averages with its weights.
  public func derivative(_ F: Double) -> Double {
    let F = Procedure.clampUnit(F)
    if F.isNaN { return F }
    switch kind {
    case .standard:
      return 1
    case let .bestOf(n):
      return n == 1 ? 1 : Double(n) * Double.pow(F, n - 1)
    case let .worstOf(n):
      if n == 1 { return 1 }
      let q = F >= 0.5 ? Double.pow(1 - F, n - 1) : Double.exp(Double(n - 1) * Double.log(onePlus: -F))
      return Double(n) * q
    case let .orderStatistic(k, n):
      return Double(n) * Binomial.pmf(k - 1, n - 1, F)
    case let .mixture(components):
      return Self.mixtureMean(components) { $0.derivative(F) }
    }
  }

  /// `log g'(F)`, at `F` clamped into `[0, 1]`, computed in log space (no underflow for large `N` or `F` near
  /// the ends); `−∞` where `g'(F) = 0`. Mixtures use a max-shifted log-sum-exp.
  public func logDerivative(_ F: Double) -> Double {
    let F = Procedure.clampUnit(F)
    if F.isNaN { return F }
    switch kind {
    case .standard:
      return 0
    case let .bestOf(n):
      return n == 1 ? 0 : Double.log(Double(n)) + Double(n - 1) * Double.log(F)
    case let .worstOf(n):
      return n == 1 ? 0 : Double.log(Double(n)) + Double(n - 1) * Double.log(onePlus: -F)
    case let .orderStatistic(k, n):
      return Double.log(Double(n)) + Binomial.logPMF(k - 1, n - 1, F)
    case let .mixture(components):
      return Self.mixtureLogMean(components) { $0.logDerivative(F) }
    }
  }
}
