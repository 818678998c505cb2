import RealModule

/// Where a graded mesh puts its smallest panels, for
/// ``GaussLegendre/gradedBreakpoints(from:to:panels:smallestWidth:toward:)``.
public enum MeshGrading: Sendable, Hashable {
  /// Smallest panel at the lower end `a`.
  case lower
  /// Smallest panel at the upper end `b` (where `exp(Φ(u)/β)` peaks for an increasing transform `Φ`).
  case upper
  /// Smallest panels at both ends (the mesh is mirrored about the midpoint).
  case both
}

extension GaussLegendre {
  /// `∫ₐᵇ f` by this rule on `panels` equal panels (composite Gauss–Legendre).
  ///
  /// Same conventions as ``integrate(_:over:_:)``: `b < a` negates, `a == b` gives 0. Each panel
  /// is integrated exactly for polynomials of degree ≤ `2·order − 1`; for a smooth integrand the error falls like
  /// `panels^(−2·order)`.
  ///
  /// - Precondition: `panels ≥ 1`.
  /// - Complexity: `order · panels` evaluations of `f`.
  @inlinable
  public func integrate(_ f: (Double) -> Double, over a: Double, _ b: Double, panels: Int) -> Double {
    precondition(panels >= 1, "composite quadrature needs at least one panel (got \(panels))")
    if a == b { return 0 }
    let width = (b - a) / Double(panels)
    var sum = 0.0
    for p in 0..<panels {
      // The last panel ends exactly at b, whatever the rounding of p·width.
      let lower = a + Double(p) * width
      let upper = p == panels - 1 ? b : a + Double(p + 1) * width
      sum += integrate(f, over: lower, upper)
    }
    return sum
  }

  /// `∫ₐᵇ f` in `T` on `panels` equal panels (composite Gauss–Legendre), as the `Double` overload.
  ///
  /// - Precondition: `panels ≥ 1`.
  /// - Complexity: `order · panels` evaluations of `f`.
  @inlinable
  public func integrate<T: BLASScalar>(_ f: (T) -> T, over a: T, _ b: T, panels: Int) -> T {
    precondition(panels >= 1, "composite quadrature needs at least one panel (got \(panels))")
    if a == b { return 0 }
    let width = (b - a) / T(panels)
    var sum: T = 0
    for p in 0..<panels {
      let lower = a + T(p) * width
      let upper = p == panels - 1 ? b : a + T(p + 1) * width
      sum += integrate(f, over: lower, upper)
    }
    return sum
  }

  /// `∫ f` from `breakpoints.first` to `breakpoints.last`, applying this rule on each panel
  /// `[breakpoints[i], breakpoints[i + 1]]`.
  ///
  /// Lets a caller put short panels where the integrand's mass or curvature is (see
  /// ``gradedBreakpoints(from:to:panels:smallestWidth:toward:)``) and put breakpoints at kinks. The breakpoints need
  /// not be sorted: each panel contributes its signed integral, so the sum is always the integral from the first
  /// breakpoint to the last. Fewer than two breakpoints give 0. `f` is never evaluated at a breakpoint.
  ///
  /// - Complexity: `order · (breakpoints.count − 1)` evaluations of `f`.
  @inlinable
  public func integrate(_ f: (Double) -> Double, breakpoints: [Double]) -> Double {
    if breakpoints.count < 2 { return 0 }
    var sum = 0.0
    for i in 0..<(breakpoints.count - 1) { sum += integrate(f, over: breakpoints[i], breakpoints[i + 1]) }
    return sum
  }

  /// Nodes and weights of the composite rule on the panels between consecutive `breakpoints`, so that
  /// `Σᵢ weights[i]·f(nodes[i]) ≈ ∫ f` from the first breakpoint to the last.
  ///
  /// Use it to discretize a density once on a fixed grid (e.g. for the fixed-point iterations of MATH.md §5) and
  /// evaluate integrands by batched code. Nodes are increasing when the breakpoints are; fewer than two breakpoints
  /// give empty arrays.
  ///
  /// - Complexity: O(order · breakpoints.count).
  public func grid(breakpoints: [Double]) -> (nodes: [Double], weights: [Double]) {
    let panels = max(0, breakpoints.count - 1)
    var nodes = [Double](repeating: 0, count: panels * order)
    var weights = [Double](repeating: 0, count: panels * order)
    nodes.withUnsafeMutableBufferPointer { x in
      weights.withUnsafeMutableBufferPointer { w in
        for p in 0..<panels {
          let range = (p * order)..<((p + 1) * order)
          mapped(
            over: breakpoints[p], breakpoints[p + 1], nodes: UnsafeMutableBufferPointer(rebasing: x[range]),
            weights: UnsafeMutableBufferPointer(rebasing: w[range]))
        }
      }
    }
    return (nodes, weights)
  }

  /// Increasing breakpoints from `a` to `b` whose panels shrink geometrically toward one or both ends.
  ///
  /// With `toward: .upper` and `m = panels`, the breakpoints are `b − dₖ` for distances
  /// `dₖ = h·(L/h)^(k/(m−1))`, `k = 0 … m−1`, plus `b` itself (`L = b − a`, `h = smallestWidth`): the panel touching
  /// `b` has width `h` and the distances to `b` are log-uniform. Such a mesh resolves `exp((u − 1)/β)` on `[0, 1]`
  /// with `h ≈ β` and a few dozen panels to full `Double` accuracy. `.lower` mirrors it, `.both` grades each half of
  /// `[a, b]` with `panels` panels (so `2·panels` in all). If `smallestWidth` is not smaller than a uniform panel
  /// (`L/panels`, or `L/(2·panels)` for `.both`), the mesh is uniform.
  ///
  /// - Precondition: `a < b`, both finite; `panels ≥ 1`; `smallestWidth > 0`.
  /// - Complexity: O(panels).
  public static func gradedBreakpoints(
    from a: Double, to b: Double, panels: Int, smallestWidth: Double, toward grading: MeshGrading = .upper
  ) -> [Double] {
    precondition(a.isFinite && b.isFinite && a < b, "graded mesh needs finite a < b (got [\(a), \(b)])")
    precondition(panels >= 1, "graded mesh needs at least one panel (got \(panels))")
    precondition(smallestWidth > 0, "graded mesh needs a positive smallest width (got \(smallestWidth))")
    switch grading {
    case .upper:
      return gradedDistances(length: b - a, panels: panels, smallestWidth: smallestWidth).reversed().map { d in
        d == 0 ? b : (d == b - a ? a : b - d)
      }
    case .lower:
      return gradedDistances(length: b - a, panels: panels, smallestWidth: smallestWidth).map { d in
        d == b - a ? b : a + d
      }
    case .both:
      let mid = a + 0.5 * (b - a)
      let lowerHalf = gradedBreakpoints(from: a, to: mid, panels: panels, smallestWidth: smallestWidth, toward: .lower)
      let upperHalf = gradedBreakpoints(from: mid, to: b, panels: panels, smallestWidth: smallestWidth, toward: .upper)
      return lowerHalf + upperHalf.dropFirst()
    }
  }

  /// Distances `0, d₀, …, dₘ₋₁ = length` from the refined end: log-uniform from `smallestWidth` to `length`, or
  /// uniform when grading would not refine.
  private static func gradedDistances(length: Double, panels m: Int, smallestWidth h: Double) -> [Double] {
    var distances = [0.0]
    distances.reserveCapacity(m + 1)
    if m == 1 || h >= length / Double(m) {
      for k in 1...m { distances.append(k == m ? length : length * Double(k) / Double(m)) }
      return distances
    }
    let logRatio = Double.log(length / h)
    for k in 0..<m {
      distances.append(k == m - 1 ? length : h * Double.exp(logRatio * Double(k) / Double(m - 1)))
    }
    return distances
  }
}
