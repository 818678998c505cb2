/// Adaptive Gauss–Kronrod quadrature (7-point Gauss, 15-point Kronrod), globally adaptive: the panel with the
/// largest error estimate is bisected until the total estimate meets the tolerance (QUADPACK's QAG strategy).
///
/// The error estimate of a panel is `|K15 − G7|`, which is pessimistic for smooth integrands (the result is
/// usually far more accurate than the estimate). Handles integrable endpoint singularities slowly (by
/// bisection); prefer ``TanhSinh`` for those.
public enum GaussKronrod {
  /// An integral and its error estimate.
  public struct Result: Sendable, Equatable {
    public var value: Double
    public var errorEstimate: Double
    public var evaluations: Int
  }

  @usableFromInline static let kronrodNodes: [Double] = [
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245, 0.0,
  ]
  @usableFromInline static let kronrodWeights: [Double] = [
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
  ]
  /// Weights of the embedded 7-point Gauss rule at Kronrod nodes 1, 3, 5 and 7 (the centre).
  @usableFromInline static let gaussWeights: [Double] = [
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
  ]

  /// `∫_a^b f(x) dx` to `max(absoluteTolerance, relativeTolerance·|I|)`.
  ///
  /// - Throws: ``MathError/quadratureTolerance(achieved:requested:)`` when `maxEvaluations` runs out first;
  ///   ``MathError/nonFinite(row:column:value:)`` (row 0, column = evaluation index) when `f` returns NaN/∞.
  public static func integrate(
    _ f: (Double) -> Double, over a: Double, _ b: Double,
    absoluteTolerance: Double = 1e-13, relativeTolerance: Double = 1e-12, maxEvaluations: Int = 100_000
  ) throws(MathError) -> Result {
    var values = [0.0]
    let r = try integrate(
      components: 1, { x, out in out[0] = f(x) }, over: a, b, absoluteTolerance: absoluteTolerance,
      relativeTolerance: relativeTolerance, maxEvaluations: maxEvaluations, into: &values)
    return Result(value: values[0], errorEstimate: r.errorEstimate, evaluations: r.evaluations)
  }

  /// Integrates a vector-valued integrand: `f(x, out)` writes `components` values at `x`; all components share
  /// the nodes, and the adaptivity targets the worst component relative to its own tolerance. The integrals
  /// are written into `result` (resized to `components`); the returned `Result.value` is the first component.
  ///
  /// - Throws: as ``integrate(_:over:_:absoluteTolerance:relativeTolerance:maxEvaluations:)``.
  /// - Complexity: 15 evaluations per panel; memory O(panels × components).
  public static func integrate(
    components: Int, _ f: (Double, UnsafeMutableBufferPointer<Double>) -> Void, over a: Double, _ b: Double,
    absoluteTolerance: Double = 1e-13, relativeTolerance: Double = 1e-12, maxEvaluations: Int = 100_000,
    into result: inout [Double]
  ) throws(MathError) -> Result {
    precondition(components >= 1, "need at least one component")
    let c = components
    // Panel store: bounds, per-component values and errors (flat arrays, grown by bisection).
    var lo: [Double] = [], hi: [Double] = [], vals: [Double] = [], errs: [Double] = []
    let scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: 3 * c)
    defer { scratch.deallocate() }
    var evaluations = 0

    func panel(_ x0: Double, _ x1: Double) throws(MathError) {
      let fx = UnsafeMutableBufferPointer(rebasing: scratch[0..<c])
      let kAcc = UnsafeMutableBufferPointer(rebasing: scratch[c..<(2 * c)])
      let gAcc = UnsafeMutableBufferPointer(rebasing: scratch[(2 * c)..<(3 * c)])
      for i in 0..<c { kAcc[i] = 0; gAcc[i] = 0 }
      let half = (x1 - x0) / 2, mid = (x0 + x1) / 2
      for i in 0..<15 {
        let k = i < 8 ? i : 14 - i
        let x = i < 8 ? mid - half * kronrodNodes[k] : mid + half * kronrodNodes[k]
        f(x, fx)
        evaluations += 1
        let gw = k % 2 == 1 ? gaussWeights[k / 2] : 0
        for j in 0..<c {
          let v = fx[j]
          if !v.isFinite { throw .nonFinite(row: 0, column: evaluations - 1, value: v) }
          kAcc[j] += kronrodWeights[k] * v
          gAcc[j] += gw * v
        }
      }
      lo.append(x0)
      hi.append(x1)
      for j in 0..<c {
        vals.append(kAcc[j] * half)
        errs.append(abs((kAcc[j] - gAcc[j]) * half))
      }
    }

    try panel(a, b)
    result = [Double](repeating: 0, count: c)
    while true {
      var worst = 0, worstScaled = -1.0, done = true
      var totalErr = [Double](repeating: 0, count: c)
      for j in 0..<c { result[j] = 0 }
      for p in 0..<lo.count {
        for j in 0..<c {
          result[j] += vals[p * c + j]
          totalErr[j] += errs[p * c + j]
        }
      }
      for j in 0..<c where totalErr[j] > max(absoluteTolerance, relativeTolerance * abs(result[j])) { done = false }
      if done { return Result(value: result[0], errorEstimate: totalErr[0], evaluations: evaluations) }
      if evaluations + 30 > maxEvaluations {
        throw .quadratureTolerance(achieved: totalErr.max() ?? 0, requested: max(absoluteTolerance, relativeTolerance))
      }
      for p in 0..<lo.count {
        var scaled = 0.0
        for j in 0..<c {
          let tol = max(absoluteTolerance, relativeTolerance * abs(result[j]))
          scaled = max(scaled, errs[p * c + j] / max(tol, .leastNormalMagnitude))
        }
        if scaled > worstScaled { worstScaled = scaled; worst = p }
      }
      let (x0, x1) = (lo[worst], hi[worst])
      let m = (x0 + x1) / 2
      // Remove the worst panel (swap with last), then add its halves.
      let last = lo.count - 1
      lo.swapAt(worst, last); hi.swapAt(worst, last)
      for j in 0..<c {
        vals.swapAt(worst * c + j, last * c + j)
        errs.swapAt(worst * c + j, last * c + j)
      }
      lo.removeLast(); hi.removeLast()
      vals.removeLast(c); errs.removeLast(c)
      try panel(x0, m)
      try panel(m, x1)
    }
  }
}
