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
