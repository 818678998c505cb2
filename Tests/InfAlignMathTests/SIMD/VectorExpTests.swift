@testable import InfAlignMath
import RealModule
import Testing

/// The largest error of `exp` in ulps of the C library's result, over vectors of points `spacing` apart starting
/// every `step` from `low` to `high`.
private func maxUlp<V: SIMD>(
  _ exp: (V) -> V, from low: V.Scalar, to high: V.Scalar, step: V.Scalar, spacing: V.Scalar
) -> V.Scalar where V.Scalar: BinaryFloatingPoint & ElementaryFunctions {
  var worst: V.Scalar = 0
  var x = low
  while x < high {
    var v = V()
    for i in 0..<V.scalarCount { v[i] = x + V.Scalar(i) * spacing }
    let e = exp(v)
    for i in 0..<V.scalarCount {
      let ref = V.Scalar.exp(v[i])
      worst = Swift.max(worst, Swift.abs(e[i] - ref) / ref.ulp)
    }
    x += step
  }
  return worst
}

/// Special values and lanes outside the fast range give exactly the C library's results.
private func checkSpecials<V: SIMD>(_ exp: (V) -> V) where V.Scalar: BinaryFloatingPoint & ElementaryFunctions {
  let inputs: [V.Scalar] = [-.infinity, .infinity, .nan, -800, 800, 0, -0.0, .leastNonzeroMagnitude]
  var v = V()
  for i in 0..<V.scalarCount { v[i] = inputs[i % inputs.count] }
  let e = exp(v)
  for i in 0..<V.scalarCount {
    let ref = V.Scalar.exp(v[i])
    #expect(e[i] == ref || (e[i].isNaN && ref.isNaN), "exp(\(v[i])) = \(e[i]), libm \(ref)")
  }
}

/// The vectorized exp against the C library: ≤ 2 ulp on a dense sweep of each precision's normal range, and
/// special values exactly as libm.
@Test func vectorExpMatchesLibm() {
  let double = maxUlp(VectorExp.exp as (SIMD8<Double>) -> SIMD8<Double>, from: -708, to: 709, step: 0.0911, spacing: 0.0137)
  let float = maxUlp(VectorExp.exp as (SIMD16<Float>) -> SIMD16<Float>, from: -87, to: 88, step: 0.0173, spacing: 0.00317)
  #expect(double <= 2, "Double max ulp \(double)")
  #expect(float <= 2, "Float max ulp \(float)")
  checkSpecials(VectorExp.exp as (SIMD8<Double>) -> SIMD8<Double>)
  checkSpecials(VectorExp.exp as (SIMD16<Float>) -> SIMD16<Float>)
}

/// The portable shifted sum against the plain loop `Σ exp(x_j − shift)` with the C library's exp, across the
/// vector blocks and the scalar tail, storing the terms or not.
private func checkShiftedSum<V: SIMD>(_ exp: (V) -> V, tolerance: Double)
where V.Scalar: BLASScalar {
  var rng = TestRNG(17)
  for n in [0, 1, V.scalarCount - 1, V.scalarCount, V.scalarCount + 3, 5 * V.scalarCount + 1] {
    let x: [V.Scalar] = (0..<n).map { _ in V.Scalar(rng.uniform(-20, 5)) }
    var terms = [V.Scalar](repeating: 0, count: n)
    let stored = x.withUnsafeBufferPointer { xp in
      terms.withUnsafeMutableBufferPointer { VectorExp.shiftedSum(xp.baseAddress!, n, shift: 1.5, store: $0.baseAddress, exp) }
    }
    let plain = x.withUnsafeBufferPointer { VectorExp.shiftedSum($0.baseAddress!, n, shift: 1.5, store: nil, exp) }
    let expected = x.reduce(0.0) { $0 + Double.exp(Double($1 - 1.5)) }
    #expect(stored == plain)
    #expect(isRelativelyClose(Double(stored), expected, tolerance), "n = \(n)")
    for j in 0..<n { #expect(isRelativelyClose(Double(terms[j]), Double(V.Scalar.exp(x[j] - 1.5)), tolerance)) }
  }
}

@Test func portableShiftedSumMatchesPlainLoop() {
  checkShiftedSum(VectorExp.exp as (SIMD8<Double>) -> SIMD8<Double>, tolerance: 1e-14)
  checkShiftedSum(VectorExp.exp as (SIMD16<Float>) -> SIMD16<Float>, tolerance: 1e-6)
}
