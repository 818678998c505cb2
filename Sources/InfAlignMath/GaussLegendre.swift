import RealModule
import Synchronization

/// An `n`-point Gauss–Legendre rule on [−1, 1]: exact for polynomials of degree ≤ 2n − 1.
///
/// Nodes and weights are computed by Newton's method on the three-term Legendre recurrence (in `Double`, to
/// about 1 ulp), ascending, and cached process-wide: ``rule(order:)`` builds each order once.
///
/// ```swift
/// let gl = GaussLegendre.rule(order: 20)
/// let v = gl.integrate({ exp($0) }, over: 0, 1)   // e − 1 to 1e-16
/// ```
public struct GaussLegendre: Sendable {
  /// Number of nodes.
  public let order: Int
  /// Nodes on [−1, 1], ascending.
  public let nodes: [Double]
  /// Weights, summing to 2.
  public let weights: [Double]

  private static let cache = Mutex<[Int: GaussLegendre]>([:])

  /// The rule of the given order (≥ 1), from the process-wide cache.
  ///
  /// - Complexity: O(order²) the first time, O(1) after.
  public static func rule(order: Int) -> GaussLegendre {
    precondition(order >= 1, "Gauss–Legendre order must be at least 1, got \(order)")
    if let cached = cache.withLock({ $0[order] }) { return cached }
    let built = GaussLegendre(computing: order)
    cache.withLock { $0[order] = built }
    return built
  }

  private init(computing n: Int) {
    var x = [Double](repeating: 0, count: n)
    var w = [Double](repeating: 0, count: n)
    let nd = Double(n)
    for i in 0..<(n + 1) / 2 {
      // Tricomi's initial guess for the i-th largest root, then Newton to convergence.
      let theta = Double.pi * (Double(i) + 0.75) / (nd + 0.5)
      let shrink: Double = 1 - (1 - 1 / nd) / (8 * nd * nd)
      var z = shrink * Double.cos(theta)
      var (p, dp) = GaussLegendre.legendre(n, z)
      for _ in 0..<100 {
        let dz = p / dp
        z -= dz
        (p, dp) = GaussLegendre.legendre(n, z)
        if abs(dz) <= 1e-16 * Swift.max(1, abs(z)) { break }
      }
      let weight: Double = 2 / ((1 - z * z) * dp * dp)
      x[n - 1 - i] = z
      x[i] = -z
      w[i] = weight
      w[n - 1 - i] = weight
    }
    if n % 2 == 1 { x[n / 2] = 0 }
    self.order = n
    self.nodes = x
    self.weights = w
  }

  /// `(P_n(z), P_n'(z))` by the three-term recurrence.
  private static func legendre(_ n: Int, _ z: Double) -> (Double, Double) {
    if n == 1 { return (z, 1) }
    var p0 = 1.0, p1 = z
    for k in 2...n {
      let kd = Double(k)
      let p2: Double = ((2 * kd - 1) * z * p1 - (kd - 1) * p0) / kd
      p0 = p1
      p1 = p2
    }
    let dp: Double = Double(n) * (z * p1 - p0) / (z * z - 1)
    return (p1, dp)
  }

  /// `∫_a^b f(x) dx` with this rule on one panel.
  ///
  /// - Complexity: `order` evaluations of `f`.
  @inlinable
  public func integrate(_ f: (Double) -> Double, over a: Double, _ b: Double) -> Double {
    let half = (b - a) / 2, mid = (a + b) / 2
    var sum = 0.0
    for i in 0..<order { sum += weights[i] * f(mid + half * nodes[i]) }
    return sum * half
  }

  /// `∫_a^b f(x) dx` in `T` arithmetic (nodes and weights rounded to `T`).
  @inlinable
  public func integrate<T: BLASScalar>(_ f: (T) -> T, over a: T, _ b: T) -> T {
    let half = (b - a) / 2, mid = (a + b) / 2
    var sum: T = 0
    for i in 0..<order { sum += T(weights[i]) * f(mid + half * T(nodes[i])) }
    return sum * half
  }

  /// Composite rule: `panels` equal panels on [a, b].
  ///
  /// - Complexity: `order × panels` evaluations.
  @inlinable
  public func integrate(_ f: (Double) -> Double, over a: Double, _ b: Double, panels: Int) -> Double {
    precondition(panels >= 1, "need at least one panel, got \(panels)")
    let width = (b - a) / Double(panels)
    var sum = 0.0
    for p in 0..<panels {
      let lo = a + Double(p) * width
      let hi = p == panels - 1 ? b : lo + width
      sum += integrate(f, over: lo, hi)
    }
    return sum
  }

  /// Composite rule over caller-given breakpoints `b_0 < b_1 < … < b_m` (one panel per gap), so panels can be
  /// placed where an integrand's mass or kinks are.
  @inlinable
  public func integrate(_ f: (Double) -> Double, breakpoints: [Double]) -> Double {
    precondition(breakpoints.count >= 2, "need at least two breakpoints")
    var sum = 0.0
    for p in 0..<(breakpoints.count - 1) { sum += integrate(f, over: breakpoints[p], breakpoints[p + 1]) }
    return sum
  }
}
