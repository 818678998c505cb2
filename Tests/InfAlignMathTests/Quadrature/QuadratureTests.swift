import Foundation
import InfAlignMath
import RealModule
import Testing

/// Relative error of `x` against a non-zero exact value.
private func relativeError(_ x: Double, _ exact: Double) -> Double { abs(x - exact) / abs(exact) }

/// Exact integrals on [0, 1] (or the stated interval) used throughout.
private enum Exact {
  static let logU = -1.0  // ∫₀¹ log u
  static let inverseSqrt = 2.0  // ∫₀¹ u^(−1/2)
  static let logLog = 2 - Double.pi * Double.pi / 6  // ∫₀¹ log u · log(1 − u)
  static let expOnUnit = M_E - 1  // ∫₀¹ eˣ
  static let atanOnUnit = Double.pi / 4  // ∫₀¹ 1/(1 + x²)
  /// ∫₀¹ sin(50x) ≈ 7.0e-4: 8 cycles cancel down to a value 900 times smaller than ∫₀¹ |sin(50x)| ≈ 0.64, so
  /// `Double` can only deliver it to about 1e-16 absolute; it is checked against that scale.
  static let sin50 = (1 - cos(50.0)) / 50
  static let sin50Scale = 2 / Double.pi
  /// ∫ sin(50x) over [0, 7π/50] (3.5 cycles) = 1/25: oscillatory, but with a value comparable to ∫|f|.
  static let sin50HalfCycles = 1.0 / 25
  /// ∫₀¹ e^((u − 1)/β) = β(1 − e^(−1/β)).
  static func peaked(_ beta: Double) -> Double { -beta * Double.expMinusOne(-1 / beta) }
}

// MARK: - Gauss–Legendre

@Test func gaussLegendreMatchesTabulatedFivePointRule() {
  let rule = GaussLegendre(order: 5)
  let nodes = [-0.906_179_845_938_664_0, -0.538_469_310_105_683_1, 0, 0.538_469_310_105_683_1, 0.906_179_845_938_664_0]
  let weights = [
    0.236_926_885_056_189_1, 0.478_628_670_499_366_5, 0.568_888_888_888_888_9, 0.478_628_670_499_366_5,
    0.236_926_885_056_189_1,
  ]
  #expect(rule.order == 5 && rule.nodes.count == 5 && rule.weights.count == 5)
  for i in 0..<5 {
    #expect(abs(rule.nodes[i] - nodes[i]) <= 2e-16)
    #expect(abs(rule.weights[i] - weights[i]) <= 4e-16)
  }
  #expect(rule.nodes[2] == 0)
  #expect(GaussLegendre(order: 1).nodes == [0] && GaussLegendre(order: 1).weights == [2])
}

@Test(arguments: [1, 2, 3, 4, 7, 10, 20, 33, 64, 100, 150, 257, 1000])
func gaussLegendreIsExactForPolynomialsOfDegreeUpTo2nMinus1(order: Int) {
  let rule = GaussLegendre(order: order)
  // Structure: increasing, antisymmetric nodes in (−1, 1), symmetric positive weights summing to 2.
  var weightSum = 0.0
  for i in 0..<order {
    #expect(rule.nodes[i] == -rule.nodes[order - 1 - i] && rule.weights[i] == rule.weights[order - 1 - i])
    #expect(rule.weights[i] > 0 && abs(rule.nodes[i]) < 1)
    if i > 0 { #expect(rule.nodes[i - 1] < rule.nodes[i]) }
    weightSum += rule.weights[i]
  }
  #expect(abs(weightSum - 2) <= 4e-15)
  // ∫₀¹ xᵏ = 1/(k + 1) for every k ≤ 2n − 1 (all of them up to degree 60, then a sample).
  let degrees = Array(0...min(2 * order - 1, 60)) + (2 * order - 1 > 60 ? [2 * order - 2, 2 * order - 1] : [])
  for k in degrees {
    let value = rule.integrate({ x in Double.pow(x, k) }, over: 0, 1)
    #expect(relativeError(value, 1 / Double(k + 1)) <= 1e-12, "order \(order), degree \(k): \(value)")
  }
  // One degree more is not exact: x^(2n) on [−1, 1] (for small orders, where the error is visible).
  if order <= 10 {
    let value = rule.integrate({ x in Double.pow(x, 2 * order) }, over: -1, 1)
    #expect(relativeError(value, 2 / Double(2 * order + 1)) > 1e-6)
  }
}

@Test func gaussLegendreSmoothIntegrandsToFullDoubleAccuracy() {
  let rule = GaussLegendre(order: 20)
  #expect(relativeError(rule.integrate({ .exp($0) }, over: 0, 1), Exact.expOnUnit) <= 1e-14)
  #expect(relativeError(rule.integrate({ 1 / (1 + $0 * $0) }, over: 0, 1), Exact.atanOnUnit) <= 1e-14)
  // Orientation: reversed limits negate; empty interval is 0 without evaluating.
  #expect(relativeError(rule.integrate({ .exp($0) }, over: 1, 0), -Exact.expOnUnit) <= 1e-14)
  #expect(rule.integrate({ _ in Double.nan }, over: 2, 2) == 0)
  // A high-order rule on an oscillatory integrand: ∫₀¹ cos(200x) = sin(200)/200.
  let big = GaussLegendre(order: 1000)
  #expect(relativeError(big.integrate({ cos(200 * $0) }, over: 0, 1), sin(200.0) / 200) <= 1e-12)
  // The mapped nodes and weights reproduce integrate(_:over:).
  var x = [Double](repeating: 0, count: 20)
  var w = [Double](repeating: 0, count: 20)
  x.withUnsafeMutableBufferPointer { xb in
    w.withUnsafeMutableBufferPointer { wb in rule.mapped(over: 0, 1, nodes: xb, weights: wb) }
  }
  let sum = zip(x, w).reduce(0.0) { $0 + $1.1 * .exp($1.0) }
  #expect(relativeError(sum, Exact.expOnUnit) <= 1e-14)
}

private func gaussLegendreGeneric<T: BLASScalar>(_: T.Type, tolerance: T) {
  let rule = GaussLegendre(order: 12)
  let e = rule.integrate({ (x: T) in T.exp(x) }, over: T(0), T(1))
  #expect(abs(e - T(Exact.expOnUnit)) <= tolerance * T(Exact.expOnUnit))
  let atan = rule.integrate({ (x: T) in 1 / (1 + x * x) }, over: T(0), T(1))
  #expect(abs(atan - T(Exact.atanOnUnit)) <= tolerance * T(Exact.atanOnUnit))
  // ∫₀¹ sin(50x) on 10 panels of a 12-point rule (error relative to ∫|f|, see Exact.sin50).
  let s = rule.integrate({ (x: T) in T.sin(50 * x) }, over: T(0), T(1), panels: 10)
  #expect(abs(s - T(Exact.sin50)) <= tolerance * T(Exact.sin50Scale))
  // Polynomial exactness in T: ∫₋₁² x²³ = (2²⁴ − 1)/24.
  let p = rule.integrate({ (x: T) in T.pow(x, 23) }, over: T(-1), T(2))
  let exact = (T.pow(2, 24) - 1) / 24
  #expect(abs(p - exact) <= tolerance * exact)
}

@Test func gaussLegendreGenericFloat() { gaussLegendreGeneric(Float.self, tolerance: 1e-5) }
@Test func gaussLegendreGenericDouble() { gaussLegendreGeneric(Double.self, tolerance: 1e-13) }

@Test func gaussLegendreCacheIsSafeUnderConcurrency() async {
  let orders = Array(300...331)
  let rules = await withTaskGroup(of: GaussLegendre.self) { group in
    for order in orders + orders { group.addTask { GaussLegendre(order: order) } }
    var all: [GaussLegendre] = []
    for await rule in group { all.append(rule) }
    return all
  }
  #expect(rules.count == 2 * orders.count)
  for rule in rules { #expect(rule == GaussLegendre(order: rule.order)) }
}

// MARK: - Composite rules

@Test func compositeGaussLegendreOnOscillatoryAndPeakedIntegrands() {
  let rule = GaussLegendre(order: 10)
  // ∫₀¹ sin(50x): 8 cycles, 20 panels of 10 points.
  #expect(abs(rule.integrate({ sin(50 * $0) }, over: 0, 1, panels: 20) - Exact.sin50) <= 1e-15)
  let halfCycles = rule.integrate({ sin(50 * $0) }, over: 0, 7 * Double.pi / 50, panels: 20)
  #expect(relativeError(halfCycles, Exact.sin50HalfCycles) <= 1e-13)
  // Breakpoints give the same answer as panels, and unsorted breakpoints give signed panel integrals.
  let uniform = (0...20).map { Double($0) / 20 }
  #expect(abs(rule.integrate({ sin(50 * $0) }, breakpoints: uniform) - Exact.sin50) <= 1e-15)
  #expect(relativeError(rule.integrate({ .exp($0) }, breakpoints: [0, 2, 1]), Exact.expOnUnit) <= 1e-14)
  #expect(rule.integrate({ .exp($0) }, breakpoints: [3]) == 0)

  // The peaked ∫₀¹ e^((u − 1)/β), β = 1e-3: uniform panels would need hundreds; a mesh graded toward 1 with its
  // smallest panel ≈ β needs 16 panels of 20 points.
  let beta = 1e-3
  let peaked = { (u: Double) in Double.exp((u - 1) / beta) }
  let mesh = GaussLegendre.gradedBreakpoints(from: 0, to: 1, panels: 16, smallestWidth: beta)
  #expect(mesh.first == 0 && mesh.last == 1 && mesh.count == 17)
  #expect(zip(mesh, mesh.dropFirst()).allSatisfy { $0 < $1 })
  #expect(abs((1 - mesh[15]) - beta) <= 1e-15)
  let value = GaussLegendre(order: 20).integrate(peaked, breakpoints: mesh)
  #expect(relativeError(value, Exact.peaked(beta)) <= 1e-12, "\(value)")
  // The same mesh as a reusable grid of nodes and weights.
  let grid = GaussLegendre(order: 20).grid(breakpoints: mesh)
  #expect(grid.nodes.count == 16 * 20 && zip(grid.nodes, grid.nodes.dropFirst()).allSatisfy { $0 < $1 })
  let gridSum = zip(grid.nodes, grid.weights).reduce(0.0) { $0 + $1.1 * peaked($1.0) }
  #expect(relativeError(gridSum, Exact.peaked(beta)) <= 1e-12)
  // Lower and two-sided grading are mirror images; a too-large smallest width gives a uniform mesh.
  let lower = GaussLegendre.gradedBreakpoints(from: 0, to: 1, panels: 16, smallestWidth: beta, toward: .lower)
  #expect(relativeError(GaussLegendre(order: 20).integrate({ peaked(1 - $0) }, breakpoints: lower), Exact.peaked(beta))
    <= 1e-12)
  let both = GaussLegendre.gradedBreakpoints(from: -1, to: 1, panels: 16, smallestWidth: beta, toward: .both)
  #expect(both.count == 33 && both.first == -1 && both.last == 1 && both[16] == 0)
  let twoPeaks = GaussLegendre(order: 20).integrate({ .exp((abs($0) - 1) / beta) }, breakpoints: both)
  #expect(relativeError(twoPeaks, 2 * Exact.peaked(beta)) <= 1e-12)
  #expect(GaussLegendre.gradedBreakpoints(from: 0, to: 1, panels: 4, smallestWidth: 0.5) == [0, 0.25, 0.5, 0.75, 1])
}

// MARK: - Adaptive Gauss–Kronrod

@Test func gaussKronrodReachesTightTolerancesOnTheReferenceIntegrals() throws {
  let cases: [(String, (Double) -> Double, Double, Double)] = [
    ("e^x", { .exp($0) }, 1, Exact.expOnUnit),
    ("1/(1+x²)", { 1 / (1 + $0 * $0) }, 1, Exact.atanOnUnit),
    ("x^7", { Double.pow($0, 7) }, 1, 1.0 / 8),
    ("log u", { .log($0) }, 1, Exact.logU),
    ("u^-1/2", { 1 / $0.squareRoot() }, 1, Exact.inverseSqrt),
    ("log u log(1-u)", { .log($0) * .log(onePlus: -$0) }, 1, Exact.logLog),
    ("sin 50x", { sin(50 * $0) }, 7 * Double.pi / 50, Exact.sin50HalfCycles),
    ("peaked", { .exp(($0 - 1) / 1e-3) }, 1, Exact.peaked(1e-3)),
  ]
  for (name, f, b, exact) in cases {
    let (value, error) = try GaussKronrod.integrate(
      f, over: 0, b, absoluteTolerance: 0, relativeTolerance: 1e-13, maxEvaluations: 20_000)
    #expect(relativeError(value, exact) <= 1e-12, "\(name): \(value) vs \(exact)")
    #expect(error <= 1e-13 * abs(value), "\(name): error estimate \(error)")
    // The error estimate is honest: no smaller than the true error by more than a rounding margin.
    #expect(abs(value - exact) <= max(error, 1e-15), "\(name): true error \(abs(value - exact)) > \(error)")
  }
  // ∫₀¹ sin(50x), whose value is 900 times smaller than ∫|f|: to an absolute tolerance.
  let oscillatory = try GaussKronrod.integrate(
    { sin(50 * $0) }, over: 0, 1, absoluteTolerance: 1e-13, relativeTolerance: 0)
  #expect(abs(oscillatory.value - Exact.sin50) <= 1e-15 && oscillatory.errorEstimate <= 1e-13)
  // Reversed and empty intervals.
  let reversed = try GaussKronrod.integrate({ .exp($0) }, over: 1, 0)
  #expect(relativeError(reversed.value, -Exact.expOnUnit) <= 1e-12)
  #expect(try GaussKronrod.integrate({ _ in .nan }, over: 1, 1) == (0, 0))
}

@Test func gaussKronrodIsCheapOnSmoothAndPeakedIntegrands() throws {
  let smooth = try GaussKronrod.integrateBestEffort({ .exp($0) }, breakpoints: [0, 1])
  #expect(smooth.converged && smooth.evaluations == 15)
  let peaked = try GaussKronrod.integrateBestEffort(
    { .exp(($0 - 1) / 1e-3) }, breakpoints: [0, 1], absoluteTolerance: 0, relativeTolerance: 1e-12)
  #expect(peaked.converged && peaked.evaluations <= 1_000, "\(peaked.evaluations) evaluations")
  // A breakpoint near the peak helps.
  let split = try GaussKronrod.integrateBestEffort(
    { .exp(($0 - 1) / 1e-3) }, breakpoints: [0, 0.99, 1], absoluteTolerance: 0, relativeTolerance: 1e-12)
  #expect(split.converged && split.evaluations < peaked.evaluations)
  #expect(relativeError(split.value, Exact.peaked(1e-3)) <= 1e-12)
  // β = 1e-6: the spike falls between the 15 nodes of [0, 1] (documented); a breakpoint at 1 − 40β finds it, and
  // so does a graded starting mesh. Only to ~1e-10: nodes u near 1 are rounded to ulp(1) ≈ 1.1e-16, which moves
  // the exponent (u − 1)/β by up to 1.1e-10 (integrate in d = 1 − u for full accuracy at such β).
  let narrow = { (u: Double) in Double.exp((u - 1) / 1e-6) }
  let missed = try GaussKronrod.integrateBestEffort(narrow, breakpoints: [0, 1])
  #expect(missed.value == 0 && missed.errorEstimate == 0)
  let found = try GaussKronrod.integrate(
    narrow, breakpoints: [0, 1 - 4e-5, 1], absoluteTolerance: 0, relativeTolerance: 1e-12)
  #expect(relativeError(found.value, Exact.peaked(1e-6)) <= 1e-9)
  let graded = try GaussKronrod.integrate(
    narrow, breakpoints: GaussLegendre.gradedBreakpoints(from: 0, to: 1, panels: 8, smallestWidth: 1e-6),
    absoluteTolerance: 0, relativeTolerance: 1e-12)
  #expect(relativeError(graded.value, Exact.peaked(1e-6)) <= 1e-9)
  // The same integral in the distance coordinate d = 1 − u is accurate to full precision.
  let distance = try GaussKronrod.integrate(
    { d in Double.exp(-d / 1e-6) }, breakpoints: GaussLegendre.gradedBreakpoints(
      from: 0, to: 1, panels: 8, smallestWidth: 1e-6, toward: .lower), absoluteTolerance: 0, relativeTolerance: 1e-13)
  #expect(relativeError(distance.value, Exact.peaked(1e-6)) <= 1e-12)
}

@Test func gaussKronrodVectorIntegrandControlsEveryComponent() throws {
  // Z, ∫u·f, ∫u²·f and ∫ e^{(u−1)/β}·u with β = 1e-3, on shared nodes.
  let beta = 1e-3
  var calls = 0
  let (values, errors) = try GaussKronrod.integrate(
    components: 4, over: 0, 1, absoluteTolerance: 0, relativeTolerance: 1e-13
  ) { u, out in
    calls += 1
    let p = Double.exp((u - 1) / beta)
    out[0] = 1
    out[1] = u
    out[2] = u * u
    out[3] = p * u
  }
  // ∫₀¹ u e^{(u−1)/β} = β − β² + β² e^{−1/β}.
  let exact = [1, 0.5, 1.0 / 3, beta - beta * beta * (1 - .exp(-1 / beta))]
  for j in 0..<4 {
    #expect(relativeError(values[j], exact[j]) <= 1e-12, "component \(j): \(values[j])")
    #expect(errors[j] <= 1e-13 * abs(values[j]))
  }
  // Shared nodes: the vector integrand costs no more calls than its hardest component alone.
  let alone = try GaussKronrod.integrateBestEffort(
    { u in u * .exp((u - 1) / beta) }, breakpoints: [0, 1], absoluteTolerance: 0, relativeTolerance: 1e-13)
  #expect(calls <= alone.evaluations + 60, "vector \(calls) vs scalar \(alone.evaluations)")
  // Reversed limits negate every component.
  let reversed = try GaussKronrod.integrate(components: 2, over: 1, 0) { u, out in
    out[0] = 1
    out[1] = u
  }
  #expect(abs(reversed.values[0] + 1) <= 1e-14 && abs(reversed.values[1] + 0.5) <= 1e-14)
  // Breakpoints, and a budget that only the easy component could meet: the error names the hard one.
  let split = try GaussKronrod.integrate(components: 2, breakpoints: [0, 0.5, 1]) { u, out in
    out[0] = u
    out[1] = .log(u)
  }
  #expect(abs(split.values[0] - 0.5) <= 1e-15 && abs(split.values[1] + 1) <= 1e-10)
  do {
    _ = try GaussKronrod.integrate(components: 2, over: 0, 1, relativeTolerance: 1e-13, maxEvaluations: 200) { u, out in
      out[0] = u
      out[1] = 1 / u.squareRoot()
    }
    Issue.record("expected quadratureTolerance")
  } catch let MathError.quadratureTolerance(achieved, requested) {
    #expect(achieved > requested && abs(requested - 2e-13) <= 1e-14)
  } catch {
    Issue.record("unexpected \(error)")
  }
}

@Test func gaussKronrodReportsBudgetAndBadInput() throws {
  // u^(−1/2) needs thousands of evaluations for 1e-13: a budget of 100 runs out.
  #expect(throws: MathError.self) {
    try GaussKronrod.integrate({ 1 / $0.squareRoot() }, over: 0, 1, relativeTolerance: 1e-13, maxEvaluations: 100)
  }
  do {
    _ = try GaussKronrod.integrate({ 1 / $0.squareRoot() }, over: 0, 1, relativeTolerance: 1e-13, maxEvaluations: 100)
  } catch let error {
    guard case let .quadratureTolerance(achieved, requested) = error else {
      Issue.record("unexpected \(error)")
      return
    }
    #expect(achieved > requested && requested > 0)
  }
  // The best-effort variant returns the estimate instead.
  let best = try GaussKronrod.integrateBestEffort(
    { 1 / $0.squareRoot() }, breakpoints: [0, 1], relativeTolerance: 1e-13, maxEvaluations: 100)
  #expect(!best.converged && best.evaluations <= 100 && abs(best.value - 2) < 0.1 && best.errorEstimate > 0)
  // A NaN from the integrand names x; non-finite limits, bad tolerances and bad breakpoints are invalid.
  func isInvalid(_ body: () throws -> Void, containing text: String = "") -> Bool {
    do {
      try body()
      return false
    } catch let MathError.invalidArgument(message) {
      return text.isEmpty || message.contains(text)
    } catch {
      return false
    }
  }
  #expect(isInvalid({ _ = try GaussKronrod.integrate({ $0 > 0.5 ? .nan : 1 }, over: 0, 1) }, containing: "x = "))
  #expect(isInvalid({ _ = try GaussKronrod.integrate({ $0 }, over: 0, .infinity) }))
  #expect(isInvalid({ _ = try GaussKronrod.integrate({ $0 }, over: 0, 1, absoluteTolerance: 0, relativeTolerance: 0) }))
  #expect(isInvalid({ _ = try GaussKronrod.integrate({ $0 }, over: 0, 1, relativeTolerance: -1) }))
  #expect(isInvalid({ _ = try GaussKronrod.integrate({ $0 }, breakpoints: [0, 1, 0.5]) }, containing: "breakpoint 2"))
  #expect(isInvalid({ _ = try GaussKronrod.integrate({ $0 }, breakpoints: [0]) }))
  #expect(isInvalid({
    _ = try GaussKronrod.integrate(components: 2, over: 0, 1) { u, out in
      out[0] = u
      out[1] = 1 / (u - u)
    }
  }, containing: "component 1"))
}

// MARK: - Tanh–sinh

@Test func tanhSinhHandlesEndpointSingularities() throws {
  let cases: [(String, (Double) -> Double, Double)] = [
    ("log u", { .log($0) }, Exact.logU),
    ("u^-1/2", { 1 / $0.squareRoot() }, Exact.inverseSqrt),
    ("log u log(1-u)", { .log($0) * .log(onePlus: -$0) }, Exact.logLog),
    ("e^x", { .exp($0) }, Exact.expOnUnit),
    ("1/(1+x²)", { 1 / (1 + $0 * $0) }, Exact.atanOnUnit),
    ("peaked", { .exp(($0 - 1) / 1e-3) }, Exact.peaked(1e-3)),
  ]
  for (name, f, exact) in cases {
    let result = try TanhSinh.integrateBestEffort(f, over: 0, 1)
    #expect(result.converged, "\(name)")
    #expect(relativeError(result.value, exact) <= 1e-12, "\(name): \(result.value) vs \(exact)")
    #expect(result.evaluations <= 1_500, "\(name): \(result.evaluations) evaluations")
  }
  // A singularity at the upper end, through the accurate endpoint distances: ∫₀¹ (1 − u)^(−1/2) = 2 and
  // ∫₀¹ log(1 − u) = −1.
  let upper = try TanhSinh.integrate(endpointDistances: { _, _, toUpper in 1 / toUpper.squareRoot() }, over: 0, 1)
  #expect(relativeError(upper.value, 2) <= 1e-12)
  let logUpper = try TanhSinh.integrate(endpointDistances: { _, _, toUpper in .log(toUpper) }, over: 0, 1)
  #expect(relativeError(logUpper.value, -1) <= 1e-12)
  // A spike of width 1e-6 at u = 1, through the distance to 1 (exact, unlike 1 − u near 1).
  let spike = try TanhSinh.integrate(
    endpointDistances: { _, _, toUpper in .exp(-toUpper / 1e-6) }, over: 0, 1, absoluteTolerance: 0)
  #expect(relativeError(spike.value, Exact.peaked(1e-6)) <= 1e-12)
  // Shifted, reversed and empty intervals: ∫₂³ (x − 2)^(−1/2) = 2.
  let shifted = try TanhSinh.integrate(endpointDistances: { _, toLower, _ in 1 / toLower.squareRoot() }, over: 3, 2)
  #expect(relativeError(shifted.value, -2) <= 1e-12)
  #expect(try TanhSinh.integrate({ _ in .nan }, over: 1, 1) == (0, 0))
}

@Test func tanhSinhReportsNonConvergenceAndBadInput() throws {
  // sin(50x) needs finer levels than 3.
  let coarse = try TanhSinh.integrateBestEffort({ sin(50 * $0) }, over: 0, 1, maxLevels: 3)
  #expect(!coarse.converged)
  #expect(throws: MathError.self) { try TanhSinh.integrate({ sin(50 * $0) }, over: 0, 1, maxLevels: 3) }
  let fine = try TanhSinh.integrate({ sin(50 * $0) }, over: 0, 1, absoluteTolerance: 1e-13, relativeTolerance: 0)
  #expect(abs(fine.value - Exact.sin50) <= 1e-14)
  #expect(throws: MathError.self) { try TanhSinh.integrate({ $0 }, over: -.infinity, 1) }
  #expect(throws: MathError.self) { try TanhSinh.integrate({ $0 }, over: 0, 1, absoluteTolerance: .nan) }
  do {
    _ = try TanhSinh.integrate({ $0 > 0.75 ? .nan : $0 }, over: 0, 1)
    Issue.record("expected an error")
  } catch let error {
    guard case let .invalidArgument(message) = error else {
      Issue.record("unexpected \(error)")
      return
    }
    #expect(message.contains("x = "))
  }
}
