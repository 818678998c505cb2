/// The Taylor series of `eˣ`, `Σ xᵏ/k!`, evaluated by Horner's rule over a run of its terms: the one series behind
/// the vector `exp` (``VectorExp``), `(eˣ − 1)/x` in the optimal transform's density cells and the CTRL step's
/// `k3 = e^{−ρ} − 1 + ρ` for small `ρ`.
///
/// Each step is a separate multiply and add (`p ← p·x + 1/k!`, never fused), with the coefficients the nearest
/// `Double` to `1/k!` (for `Float` and `SIMD` of `Float`, that `Double` rounded once more, which is also the nearest
/// `Float` for every `k ≤ 13`). With a constant range of terms the loop unrolls into the same instructions as a
/// written-out chain.
@usableFromInline package enum ExpSeries {
  /// The nearest `Double` to `1/k!`, `0 ≤ k ≤ 15` (`k!` itself is exact in `Double`).
  @inlinable @inline(__always)
  package static func coefficient(_ k: Int) -> Double {
    switch k {
    case 0, 1: 1
    case 2: 0.5
    case 3: 1.0 / 6
    case 4: 1.0 / 24
    case 5: 1.0 / 120
    case 6: 1.0 / 720
    case 7: 1.0 / 5_040
    case 8: 1.0 / 40_320
    case 9: 1.0 / 362_880
    case 10: 1.0 / 3_628_800
    case 11: 1.0 / 39_916_800
    case 12: 1.0 / 479_001_600
    case 13: 1.0 / 6_227_020_800
    case 14: 1.0 / 87_178_291_200
    case 15: 1.0 / 1_307_674_368_000
    default: preconditionFailure("ExpSeries has the terms 0...15, not \(k)")
    }
  }

  /// `Σ_{k ∈ terms} x^(k − terms.lowerBound)/k!`, lane by lane, by Horner's rule from the highest term.
  ///
  /// - Complexity: `terms.count − 1` multiply-adds.
  @inlinable @inline(__always)
  package static func horner<V: SIMD>(_ x: V, terms: ClosedRange<Int>) -> V where V.Scalar: BinaryFloatingPoint {
    var p = V(repeating: V.Scalar(coefficient(terms.upperBound)))
    var k = terms.upperBound - 1
    while k >= terms.lowerBound {
      p = p * x + V(repeating: V.Scalar(coefficient(k)))
      k -= 1
    }
    return p
  }

  /// The scalar form of ``horner(_:terms:)-(V,_)``.
  @inlinable @inline(__always)
  package static func horner<T: BinaryFloatingPoint>(_ x: T, terms: ClosedRange<Int>) -> T {
    var p = T(coefficient(terms.upperBound))
    var k = terms.upperBound - 1
    while k >= terms.lowerBound {
      p = p * x + T(coefficient(k))
      k -= 1
    }
    return p
  }
}
