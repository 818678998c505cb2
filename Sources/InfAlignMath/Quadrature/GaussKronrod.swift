/// Globally adaptive Gauss–Kronrod quadrature (7-point Gauss, 15-point Kronrod), as QUADPACK's `qag` with `key = 1`.
///
/// The integration range starts as one interval per pair of consecutive breakpoints. Each interval carries its
/// 15-point Kronrod estimate and QUADPACK's error estimate (the Kronrod–Gauss difference, rescaled by
/// `min(1, (200·|K − G| / resasc)^1.5)` and floored at `50ε·∫|f|` so that rounding is not mistaken for
/// accuracy). The interval with the largest error (relative to its component's tolerance) is bisected, from a
/// priority queue, until the global error estimate `Σ errors` meets `max(absoluteTolerance,
/// relativeTolerance·|value|)` or the evaluation budget runs out.
///
/// Accuracy (checked in the tests to `1e-12` relative at `relativeTolerance: 1e-13`): smooth integrands, oscillatory
/// ones such as `sin(50x)`, integrable endpoint singularities (`log u`, `u^(−1/2)`, `log u · log(1 − u)`, at the
/// cost of a few thousand evaluations: ``TanhSinh`` needs far fewer for those) and peaked integrands such as
/// `exp((u − 1)/β)` on `[0, 1]` with `β = 10⁻³` (a few hundred evaluations). Requested relative tolerances below
/// about `100ε ≈ 2e-14` cannot be met because of the rounding floor. An integrand whose mass sits entirely between
/// the 15 nodes of an initial interval (a spike narrower than about a hundredth of the interval) can be missed, as
/// by every quadrature: `exp((u − 1)/β)` with `β = 10⁻⁶` on the single interval `[0, 1]` gives 0 with a zero error
/// estimate. Put a breakpoint near such a spike (e.g. at `1 − 40β`), or start from
/// ``GaussLegendre/gradedBreakpoints(from:to:panels:smallestWidth:toward:)``. Note also that nodes `u` near 1 are
/// rounded to `ulp(1) ≈ 1.1e-16`, which perturbs `(u − 1)/β` by up to `1.1e-16/β`: for `β = 10⁻⁶` no quadrature in
/// `u` does better than about `1e-10` relative; integrate in `d = 1 − u` instead.
///
/// The integrand is never evaluated at a breakpoint, so integrable singularities there are allowed. Evaluations
/// allocate nothing: the work arrays are allocated once per call and grow with the number of intervals.
public enum GaussKronrod {
  /// A vector-valued integrand: writes the `components` values at `x` into the buffer (which holds exactly
  /// `components` elements and must be fully overwritten).
  public typealias VectorIntegrand = (_ x: Double, _ values: UnsafeMutableBufferPointer<Double>) -> Void

  /// `∫ₐᵇ f(x) dx` with its error estimate.
  ///
  /// `b < a` gives the negated integral over `[b, a]`; `a == b` gives `(0, 0)` without evaluating `f`.
  ///
  /// - Parameters:
  ///   - absoluteTolerance, relativeTolerance: the target is `errorEstimate ≤ max(absoluteTolerance,
  ///     relativeTolerance·|value|)`. Both must be finite and non-negative and not both zero.
  ///   - maxEvaluations: the budget of evaluations of `f` (each bisection costs 30).
  /// - Throws: `MathError.quadratureTolerance` when the budget runs out first (use
  ///   ``integrateBestEffort(_:breakpoints:absoluteTolerance:relativeTolerance:maxEvaluations:)`` to get the
  ///   estimate anyway); `MathError.invalidArgument` for a non-finite `a` or `b`, bad tolerances, or a non-finite
  ///   value of `f` (the message names `x`).
  /// - Complexity: at most about `maxEvaluations` evaluations of `f`, plus O(log(intervals)) per bisection.
  public static func integrate(
    _ f: (Double) -> Double, over a: Double, _ b: Double, absoluteTolerance: Double = 1e-15,
    relativeTolerance: Double = 1e-10, maxEvaluations: Int = 100_000
  ) throws(MathError) -> (value: Double, errorEstimate: Double) {
    if a == b { return (0, 0) }
    let sign: Double = b < a ? -1 : 1
    let result = try integrate(
      f, breakpoints: b < a ? [b, a] : [a, b], absoluteTolerance: absoluteTolerance,
      relativeTolerance: relativeTolerance, maxEvaluations: maxEvaluations)
    return (sign * result.value, result.errorEstimate)
  }

  /// `∫ f` from `breakpoints.first` to `breakpoints.last`, starting from one interval per pair of consecutive
  /// breakpoints (put breakpoints at kinks, near peaks, or to start from a finer mesh).
  ///
  /// - Parameter breakpoints: at least two finite, non-decreasing values; repeated values are skipped.
  /// - Throws: as ``integrate(_:over:_:absoluteTolerance:relativeTolerance:maxEvaluations:)``; also
  ///   `invalidArgument` for fewer than two, non-finite or decreasing breakpoints.
  public static func integrate(
    _ f: (Double) -> Double, breakpoints: [Double], absoluteTolerance: Double = 1e-15,
    relativeTolerance: Double = 1e-10, maxEvaluations: Int = 100_000
  ) throws(MathError) -> (value: Double, errorEstimate: Double) {
    let result = try integrateBestEffort(
      f, breakpoints: breakpoints, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance,
      maxEvaluations: maxEvaluations)
    if !result.converged {
      throw .quadratureTolerance(
        achieved: result.errorEstimate, requested: max(absoluteTolerance, relativeTolerance * abs(result.value)))
    }
    return (result.value, result.errorEstimate)
  }

  /// As ``integrate(_:breakpoints:absoluteTolerance:relativeTolerance:maxEvaluations:)``, but returns the best
  /// estimate with `converged == false` instead of throwing when the budget runs out (or the intervals cannot be
  /// bisected further in `Double`).
  ///
  /// - Throws: `MathError.invalidArgument` only (bad breakpoints or tolerances, a non-finite value of `f`).
  public static func integrateBestEffort(
    _ f: (Double) -> Double, breakpoints: [Double], absoluteTolerance: Double = 1e-15,
    relativeTolerance: Double = 1e-10, maxEvaluations: Int = 100_000
  ) throws(MathError) -> QuadratureResult {
    let result = try adapt(
      components: 1, breakpoints: breakpoints, absoluteTolerance: absoluteTolerance,
      relativeTolerance: relativeTolerance, maxEvaluations: maxEvaluations
    ) { x, out in out[0] = f(x) }
    return QuadratureResult(
      value: result.values[0], errorEstimate: result.errorEstimates[0], evaluations: result.evaluations,
      converged: result.converged)
  }

  /// `∫ₐᵇ f(x) dx` for a vector-valued `f`: several integrals over the same nodes, e.g. `Z`, `∫ Φ e^{Φ/β}` and a
  /// win-rate numerator together, each with its own error control.
  ///
  /// Every component `j` must meet `errorEstimates[j] ≤ max(absoluteTolerance, relativeTolerance·|values[j]|)`; the
  /// interval bisected next is the one with the largest error relative to its component's tolerance. The integrand
  /// writes into a slice of a work buffer allocated once per call, so evaluations allocate nothing.
  /// `b < a` negates every value; `a == b` gives zeros.
  ///
  /// - Precondition: `components ≥ 1`.
  /// - Throws: `quadratureTolerance` (for the component furthest from its tolerance) when the budget runs out;
  ///   `invalidArgument` as the scalar version (the message names the component and `x`).
  public static func integrate(
    components: Int, over a: Double, _ b: Double, absoluteTolerance: Double = 1e-15,
    relativeTolerance: Double = 1e-10, maxEvaluations: Int = 100_000, _ f: VectorIntegrand
  ) throws(MathError) -> (values: [Double], errorEstimates: [Double]) {
    precondition(components >= 1, "a vector integrand needs at least one component (got \(components))")
    if a == b { return ([Double](repeating: 0, count: components), [Double](repeating: 0, count: components)) }
    let result = try integrate(
      components: components, breakpoints: b < a ? [b, a] : [a, b], absoluteTolerance: absoluteTolerance,
      relativeTolerance: relativeTolerance, maxEvaluations: maxEvaluations, f)
    return (b < a ? result.values.map { -$0 } : result.values, result.errorEstimates)
  }

  /// The vector-valued integral from `breakpoints.first` to `breakpoints.last`, one initial interval per pair of
  /// consecutive breakpoints; otherwise as
  /// ``integrate(components:over:_:absoluteTolerance:relativeTolerance:maxEvaluations:_:)``.
  ///
  /// - Precondition: `components ≥ 1`.
  /// - Throws: `quadratureTolerance` (for the component furthest from its tolerance) when the budget runs out;
  ///   `invalidArgument` for bad breakpoints or tolerances or a non-finite integrand value.
  public static func integrate(
    components: Int, breakpoints: [Double], absoluteTolerance: Double = 1e-15, relativeTolerance: Double = 1e-10,
    maxEvaluations: Int = 100_000, _ f: VectorIntegrand
  ) throws(MathError) -> (values: [Double], errorEstimates: [Double]) {
    let result = try integrateBestEffort(
      components: components, breakpoints: breakpoints, absoluteTolerance: absoluteTolerance,
      relativeTolerance: relativeTolerance, maxEvaluations: maxEvaluations, f)
    if !result.converged {
      var worst = (ratio: -Double.infinity, achieved: 0.0, requested: 0.0)
      for j in 0..<components {
        let requested = max(absoluteTolerance, relativeTolerance * abs(result.values[j]))
        let ratio = result.errorEstimates[j] / requested
        if ratio > worst.ratio { worst = (ratio, result.errorEstimates[j], requested) }
      }
      throw .quadratureTolerance(achieved: worst.achieved, requested: worst.requested)
    }
    return (result.values, result.errorEstimates)
  }

  /// The vector-valued integral from `breakpoints.first` to `breakpoints.last`, returning the best estimates with
  /// `converged == false` instead of throwing when the budget runs out.
  ///
  /// - Precondition: `components ≥ 1`.
  /// - Throws: `MathError.invalidArgument` only.
  public static func integrateBestEffort(
    components: Int, breakpoints: [Double], absoluteTolerance: Double = 1e-15, relativeTolerance: Double = 1e-10,
    maxEvaluations: Int = 100_000, _ f: VectorIntegrand
  ) throws(MathError) -> VectorQuadratureResult {
    precondition(components >= 1, "a vector integrand needs at least one component (got \(components))")
    return try adapt(
      components: components, breakpoints: breakpoints, absoluteTolerance: absoluteTolerance,
      relativeTolerance: relativeTolerance, maxEvaluations: maxEvaluations, f)
  }
}

// MARK: - The adaptive loop

extension GaussKronrod {
  /// Kronrod nodes on `[0, 1)` (largest first); the odd-indexed ones are the 7-point Gauss nodes.
  static let kronrodNodes: [Double] = [
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245,
  ]
  /// Kronrod weights for `±kronrodNodes[k]`, then (index 7) for the center.
  static let kronrodWeights: [Double] = [
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
  ]
  /// Gauss weights for `±kronrodNodes[1]`, `±kronrodNodes[3]`, `±kronrodNodes[5]`, then (index 3) the center.
  static let gaussWeights: [Double] = [
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
  ]

  static let routine = "GaussKronrod"

  static func adapt(
    components m: Int, breakpoints: [Double], absoluteTolerance: Double, relativeTolerance: Double,
    maxEvaluations: Int, _ f: VectorIntegrand
  ) throws(MathError) -> VectorQuadratureResult {
    try validateQuadratureTolerances(routine, absolute: absoluteTolerance, relative: relativeTolerance)
    guard breakpoints.count >= 2 else {
      throw .invalidArgument("\(routine): need at least two breakpoints (got \(breakpoints.count))")
    }
    for (i, x) in breakpoints.enumerated() {
      guard x.isFinite else { throw .invalidArgument("\(routine): breakpoint \(i) is \(x), must be finite") }
      guard i == 0 || breakpoints[i - 1] <= x else {
        throw .invalidArgument(
          "\(routine): breakpoints must be non-decreasing (breakpoint \(i) = \(x) < \(breakpoints[i - 1]))")
      }
    }

    var lowers: [Double] = []
    var uppers: [Double] = []
    var values: [Double] = []  // interval i, component j at i·m + j
    var errors: [Double] = []
    var scratch = [Double](repeating: 0, count: 15 * m)
    var left = [Double](repeating: 0, count: 2 * m)  // value, then error, of a child interval
    var right = [Double](repeating: 0, count: 2 * m)
    var totalValue = [Double](repeating: 0, count: m)
    var totalError = [Double](repeating: 0, count: m)
    var keyTolerance = [Double](repeating: 0, count: m)
    var heap = IntervalHeap()
    var evaluations = 0

    for i in 0..<(breakpoints.count - 1) where breakpoints[i] < breakpoints[i + 1] {
      try kronrod15(f, breakpoints[i], breakpoints[i + 1], m, &scratch, &left)
      evaluations += 15
      lowers.append(breakpoints[i])
      uppers.append(breakpoints[i + 1])
      values.append(contentsOf: left[0..<m])
      errors.append(contentsOf: left[m..<(2 * m)])
    }

    func tolerance(_ j: Int) -> Double { max(absoluteTolerance, relativeTolerance * abs(totalValue[j])) }
    func key(_ i: Int) -> Double {
      var k = 0.0
      for j in 0..<m { k = max(k, errors[i * m + j] / keyTolerance[j]) }
      return k
    }
    func recomputeTotals() {
      for j in 0..<m {
        totalValue[j] = 0
        totalError[j] = 0
      }
      for i in 0..<lowers.count {
        for j in 0..<m {
          totalValue[j] += values[i * m + j]
          totalError[j] += errors[i * m + j]
        }
      }
    }
    func isConverged() -> Bool {
      for j in 0..<m where !(totalError[j] <= tolerance(j)) { return false }
      return true
    }

    recomputeTotals()
    for j in 0..<m { keyTolerance[j] = max(tolerance(j), .leastNormalMagnitude) }
    for i in 0..<lowers.count { heap.push(i, key: key(i)) }

    var converged = isConverged()
    while !converged {
      if evaluations + 30 > maxEvaluations { break }
      // Keys are relative to each component's tolerance; re-key when a tolerance has moved by more than 2×.
      var stale = false
      for j in 0..<m {
        let t = max(tolerance(j), .leastNormalMagnitude)
        if t > 2 * keyTolerance[j] || 2 * t < keyTolerance[j] { stale = true }
      }
      if stale {
        for j in 0..<m { keyTolerance[j] = max(tolerance(j), .leastNormalMagnitude) }
        heap.rekey(key)
      }
      guard let i = heap.popMax() else { break }  // nothing left that can be bisected
      let lower = lowers[i]
      let upper = uppers[i]
      let mid = lower + 0.5 * (upper - lower)
      // Too short to bisect in Double (or to be worth it): keep its contribution, never pick it again.
      if !(lower < mid && mid < upper) || upper - lower <= 64 * max(abs(lower), abs(upper)).ulp { continue }
      try kronrod15(f, lower, mid, m, &scratch, &left)
      try kronrod15(f, mid, upper, m, &scratch, &right)
      evaluations += 30
      for j in 0..<m {
        totalValue[j] += left[j] + right[j] - values[i * m + j]
        totalError[j] += left[m + j] + right[m + j] - errors[i * m + j]
        values[i * m + j] = left[j]
        errors[i * m + j] = left[m + j]
      }
      uppers[i] = mid
      lowers.append(mid)
      uppers.append(upper)
      values.append(contentsOf: right[0..<m])
      errors.append(contentsOf: right[m..<(2 * m)])
      heap.push(i, key: key(i))
      heap.push(lowers.count - 1, key: key(lowers.count - 1))
      if isConverged() {
        // The running totals drift by rounding: confirm with exact sums before stopping.
        recomputeTotals()
        converged = isConverged()
      }
    }
    recomputeTotals()
    return VectorQuadratureResult(
      values: totalValue, errorEstimates: totalError, evaluations: evaluations,
      converged: isConverged())
  }

  /// The 15-point Kronrod estimate and QUADPACK error estimate of every component on `[lower, upper]`, into
  /// `out[0..<m]` (values) and `out[m..<2m]` (errors). `scratch` holds the 15·m integrand values.
  static func kronrod15(
    _ f: VectorIntegrand, _ lower: Double, _ upper: Double, _ m: Int, _ scratch: inout [Double],
    _ out: inout [Double]
  ) throws(MathError) {
    let center = lower + 0.5 * (upper - lower)
    let half = 0.5 * (upper - lower)
    func node(_ n: Int) -> Double {
      if n == 0 { return center }
      let x = half * kronrodNodes[(n - 1) / 2]
      return n % 2 == 1 ? center - x : center + x
    }
    scratch.withUnsafeMutableBufferPointer { s in
      for n in 0..<15 { f(node(n), UnsafeMutableBufferPointer(rebasing: s[(n * m)..<((n + 1) * m)])) }
    }
    for index in 0..<(15 * m) where !scratch[index].isFinite {
      throw .invalidArgument(
        "\(routine): integrand component \(index % m) is \(scratch[index]) at x = \(node(index / m))")
    }
    let epsilon = Double.ulpOfOne
    for j in 0..<m {
      let fc = scratch[j]
      var resultGauss = fc * gaussWeights[3]
      var resultKronrod = fc * kronrodWeights[7]
      var resultAbs = abs(resultKronrod)
      for k in 0..<7 {
        let f1 = scratch[(1 + 2 * k) * m + j]
        let f2 = scratch[(2 + 2 * k) * m + j]
        resultKronrod += kronrodWeights[k] * (f1 + f2)
        resultAbs += kronrodWeights[k] * (abs(f1) + abs(f2))
        if k % 2 == 1 { resultGauss += gaussWeights[k / 2] * (f1 + f2) }
      }
      let meanKronrod = 0.5 * resultKronrod
      var resultAsc = kronrodWeights[7] * abs(fc - meanKronrod)
      for k in 0..<7 {
        let f1 = scratch[(1 + 2 * k) * m + j]
        let f2 = scratch[(2 + 2 * k) * m + j]
        resultAsc += kronrodWeights[k] * (abs(f1 - meanKronrod) + abs(f2 - meanKronrod))
      }
      let value = resultKronrod * half
      resultAbs *= half
      resultAsc *= half
      var error = abs((resultKronrod - resultGauss) * half)
      if resultAsc != 0 && error != 0 {
        let scaled = 200 * error / resultAsc
        error = resultAsc * min(1, scaled * scaled.squareRoot())
      }
      if resultAbs > Double.leastNormalMagnitude / (50 * epsilon) { error = max(50 * epsilon * resultAbs, error) }
      guard value.isFinite && error.isFinite else {
        throw .invalidArgument(
          "\(routine): integral of component \(j) overflowed on [\(lower), \(upper)] (estimate \(value))")
      }
      out[j] = value
      out[m + j] = error
    }
  }
}

/// A binary max-heap of interval indices keyed by their (relative) error.
struct IntervalHeap {
  private var keys: [Double] = []
  private var items: [Int] = []

  mutating func push(_ item: Int, key: Double) {
    keys.append(key)
    items.append(item)
    siftUp(keys.count - 1)
  }

  mutating func popMax() -> Int? {
    guard let top = items.first else { return nil }
    let last = keys.count - 1
    keys.swapAt(0, last)
    items.swapAt(0, last)
    keys.removeLast()
    items.removeLast()
    if !keys.isEmpty { siftDown(0) }
    return top
  }

  /// Recomputes every key and restores the heap order. O(count).
  mutating func rekey(_ key: (Int) -> Double) {
    for n in 0..<items.count { keys[n] = key(items[n]) }
    var n = keys.count / 2
    while n > 0 {
      n -= 1
      siftDown(n)
    }
  }

  private mutating func siftUp(_ start: Int) {
    var child = start
    while child > 0 {
      let parent = (child - 1) / 2
      guard keys[child] > keys[parent] else { return }
      keys.swapAt(child, parent)
      items.swapAt(child, parent)
      child = parent
    }
  }

  private mutating func siftDown(_ start: Int) {
    var parent = start
    while true {
      let l = 2 * parent + 1
      let r = l + 1
      var largest = parent
      if l < keys.count && keys[l] > keys[largest] { largest = l }
      if r < keys.count && keys[r] > keys[largest] { largest = r }
      if largest == parent { return }
      keys.swapAt(parent, largest)
      items.swapAt(parent, largest)
      parent = largest
    }
  }
}
