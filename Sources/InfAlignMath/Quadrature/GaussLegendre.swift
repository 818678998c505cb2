import RealModule
import Synchronization

/// The `n`-point Gauss–Legendre rule: `∫₋₁¹ f(x) dx ≈ Σᵢ wᵢ f(xᵢ)`, exact for polynomials of degree ≤ `2n − 1`.
///
/// A rule is a cheap `Sendable` value: its node and weight arrays are computed once per order and shared (copy-on-
/// write) through a process-wide cache guarded by a `Mutex`, so `GaussLegendre(order:)` is an O(1) dictionary look-up
/// after the first call for that order.
///
/// ```swift
/// let rule = GaussLegendre(order: 20)
/// let z = rule.integrate({ u in .exp(u / 0.1) }, over: 0, 1)     // 0.1·(e¹⁰ − 1)
/// ```
///
/// Accuracy: nodes and weights are correct to a few units in the last place of `Double` (checked in the tests
/// against tabulated values, `Σ wᵢ = 2` and exactness on monomials up to degree `2n − 1` for `n` up to 1000). For
/// an integrand analytic in a Bernstein ellipse with parameter `ρ` around the interval the error falls like
/// `ρ^(−2n)`; a peaked integrand such as `exp((u − 1)/β)` for small `β` needs the rule applied on panels graded
/// toward the peak (as `CalibratedQuadrature` and `PiecewiseExponentialDensity` in InfAlignSolvers do).
@usableFromInline package struct GaussLegendre: Sendable, Equatable {
  /// The number of points `n` (≥ 1).
  @usableFromInline package let order: Int
  /// The nodes on `[−1, 1]`, in increasing order, exactly antisymmetric (`nodes[i] == −nodes[n − 1 − i]`, and the
  /// middle node of an odd-order rule is exactly 0).
  @usableFromInline package let nodes: [Double]
  /// The weights on `[−1, 1]`, matching ``nodes``, symmetric, positive, summing to 2 up to rounding.
  @usableFromInline package let weights: [Double]

  /// The `order`-point rule, from the cache or computed and cached.
  ///
  /// Nodes are found by Newton's method on the three-term Legendre recurrence, started from Tricomi's asymptotic
  /// approximation `xₖ ≈ (1 − (n−1)/(8n³) − (39 − 28/sin²θₖ)/(384 n⁴)) cos θₖ`, `θₖ = π(4k − 1)/(4n + 2)`, which is
  /// accurate enough for Newton to converge quadratically from the first step for every `n`. Weights are
  /// `2 / ((1 − xₖ²) P′ₙ(xₖ)²)`.
  ///
  /// - Precondition: `order ≥ 1`.
  /// - Complexity: O(1) for a cached order; O(n²) the first time an order is requested (a few milliseconds for
  ///   `n` = 1000). The cache keeps every order ever requested; prefer composite rules of moderate order over a
  ///   single rule of order in the many thousands.
  package init(order: Int) {
    precondition(order >= 1, "Gauss-Legendre order must be at least 1 (got \(order))")
    if let cached = gaussLegendreCache.withLock({ $0[order] }) {
      self = cached
      return
    }
    let (nodes, weights) = GaussLegendre.computeRule(order: order)
    let rule = GaussLegendre(order: order, nodes: nodes, weights: weights)
    // Computed outside the lock so that a long computation never blocks other orders; if two threads race on the
    // same order they compute identical rules and the first one stored wins.
    self = gaussLegendreCache.withLock { cache in
      if let existing = cache[order] { return existing }
      cache[order] = rule
      return rule
    }
  }

  private init(order: Int, nodes: [Double], weights: [Double]) {
    self.order = order
    self.nodes = nodes
    self.weights = weights
  }

  /// `∫ₐᵇ f(x) dx` by this rule mapped affinely onto `[a, b]`.
  ///
  /// `b < a` gives the negated integral over `[b, a]`; `a == b` gives 0 without calling `f`. `f` is called exactly
  /// `order` times, never at `a` or `b`, so integrable endpoint singularities are tolerated (though they converge
  /// slowly). A NaN from `f` or in `a`, `b` propagates to the result.
  ///
  /// - Complexity: `order` evaluations of `f`.
  @inlinable
  package func integrate(_ f: (Double) -> Double, over a: Double, _ b: Double) -> Double {
    if a == b { return 0 }
    let half = 0.5 * (b - a)
    let mid = 0.5 * (a + b)
    var sum = 0.0
    nodes.withUnsafeBufferPointer { x in
      weights.withUnsafeBufferPointer { w in
        for i in 0..<x.count { sum += w[i] * f(mid + half * x[i]) }
      }
    }
    return half * sum
  }

  /// `∫ₐᵇ f(x) dx` with `f` evaluated and the sum accumulated in `T` (nodes and weights rounded to `T` once per
  /// call).
  ///
  /// For `Float` the result is accurate to about `1e-6` relative for well-resolved integrands (the tests ask for
  /// `1e-5`). Same conventions as the `Double` overload: `b < a` negates, `a == b` gives 0.
  ///
  /// - Complexity: `order` evaluations of `f`.
  @inlinable
  package func integrate<T: BLASScalar>(_ f: (T) -> T, over a: T, _ b: T) -> T {
    if a == b { return 0 }
    let half = (b - a) / 2
    let mid = (a + b) / 2
    var sum: T = 0
    nodes.withUnsafeBufferPointer { x in
      weights.withUnsafeBufferPointer { w in
        for i in 0..<x.count { sum += T(w[i]) * f(mid + half * T(x[i])) }
      }
    }
    return half * sum
  }

  /// Nodes and weights of this rule mapped onto `[a, b]`, written into caller-owned buffers of `order` elements,
  /// so that `Σᵢ weights[i]·f(nodes[i]) ≈ ∫ₐᵇ f` can be evaluated by batched (SIMD, BLAS) code.
  ///
  /// - Precondition: both buffers hold exactly `order` elements.
  /// - Complexity: O(order), no allocation.
  package func mapped(
    over a: Double, _ b: Double, nodes outNodes: UnsafeMutableBufferPointer<Double>,
    weights outWeights: UnsafeMutableBufferPointer<Double>
  ) {
    precondition(
      outNodes.count == order && outWeights.count == order,
      "mapped(over:): buffers hold \(outNodes.count) nodes and \(outWeights.count) weights, expected \(order)")
    let half = 0.5 * (b - a)
    let mid = 0.5 * (a + b)
    for i in 0..<order {
      outNodes[i] = mid + half * nodes[i]
      outWeights[i] = half * weights[i]
    }
  }
}

/// Rules computed so far, by order. Global mutable state, hence the `Mutex`.
private let gaussLegendreCache = Mutex<[Int: GaussLegendre]>([:])

extension GaussLegendre {
  /// Computes the nodes (increasing) and weights of the `n`-point rule. See ``init(order:)``.
  static func computeRule(order n: Int) -> (nodes: [Double], weights: [Double]) {
    var nodes = [Double](repeating: 0, count: n)
    var weights = [Double](repeating: 0, count: n)
    let dn = Double(n)
    // Positive nodes only (k = 1 is the largest); the negative half is mirrored for exact symmetry.
    for k in 1...((n + 1) / 2) {
      let theta = Double.pi * (4 * Double(k) - 1) / (4 * dn + 2)
      let s = Double.sin(theta)
      var x = (1 - (dn - 1) / (8 * dn * dn * dn) - (39 - 28 / (s * s)) / (384 * dn * dn * dn * dn)) * Double.cos(theta)
      var derivative = 0.0
      for iteration in 0..<100 {
        let (p, dp) = legendre(n, at: x)
        derivative = dp
        let dx = p / dp
        x -= dx
        // Quadratic convergence: once a step is at rounding level, the next one could only add noise.
        if abs(dx) <= 4 * Double.ulpOfOne * abs(x) || iteration == 99 {
          derivative = legendre(n, at: x).derivative
          break
        }
      }
      let isMiddle = 2 * k - 1 == n
      if isMiddle {
        x = 0
        derivative = legendre(n, at: 0).derivative
      }
      let w = 2 / ((1 - x * x) * derivative * derivative)
      nodes[n - k] = x
      weights[n - k] = w
      nodes[k - 1] = -x
      weights[k - 1] = w
    }
    return (nodes, weights)
  }

  /// `(Pₙ(x), P′ₙ(x))` by the three-term recurrence `(k+1)Pₖ₊₁ = (2k+1) x Pₖ − k Pₖ₋₁`. Requires `|x| < 1`.
  static func legendre(_ n: Int, at x: Double) -> (value: Double, derivative: Double) {
    var p0 = 1.0
    var p1 = x
    if n == 1 { return (x, 1) }
    for k in 1..<n {
      let dk = Double(k)
      let p2 = ((2 * dk + 1) * x * p1 - dk * p0) / (dk + 1)
      p0 = p1
      p1 = p2
    }
    // P′ₙ = n (x Pₙ − Pₙ₋₁) / (x² − 1).
    return (p1, Double(n) * (x * p1 - p0) / (x * x - 1))
  }
}
