import CInfAlignSIMD
import RealModule

/// Vectorized `exp` for the row kernels: Cody–Waite reduction `x = n·ln2 + r`, `|r| ≤ ln2/2`, a Taylor polynomial
/// for `e^r` (degree 13 for `Double`, 7 for `Float`: truncation below half an ulp), and `2^n` assembled from the
/// bits of `x·log₂e + 1.5·2^p` (the "magic number" rounding), so every step is a SIMD add, multiply or shift.
///
/// Accuracy: ≤ 2 ulp relative (tested against the C library on a dense sweep). Lanes whose result would
/// overflow, be subnormal or are NaN fall back to the scalar `exp` for that vector, so special values behave
/// exactly like the C library's.
///
/// The `Double` and `Float` functions are twins that differ in their constants (range, reduction, degree, exponent
/// bits), which is why each is written out.
@usableFromInline package enum VectorExp {
  /// `e^x` for eight doubles.
  @inlinable
  package static func exp(_ x: SIMD8<Double>) -> SIMD8<Double> {
    // Outside (−708, 709) the result is subnormal or overflows; NaN fails both comparisons.
    if any(.!(x .> -708) .| .!(x .< 709)) {
      var out = x
      for i in 0..<8 { out[i] = Double.exp(x[i]) }
      return out
    }
    let magic = SIMD8<Double>(repeating: 0x1.8p52)
    let t = x * 1.4426950408889634 + magic  // log2(e)
    let n = t - magic
    let r = (x - n * 0.6931471805598903) - n * 5.497923018708371e-14  // ln2 split hi/lo (Cody–Waite)
    let p = ExpSeries.horner(r, terms: 0...13)  // Σ_{k=0}^{13} r^k / k!
    // t's low bits hold n; 2^n has exponent field n + 1023.
    let bits = unsafeBitCast(t, to: SIMD8<UInt64>.self) &- 0x4338_0000_0000_0000 &+ 1023
    return p * unsafeBitCast(bits &<< 52, to: SIMD8<Double>.self)
  }

  /// `e^x` for sixteen floats.
  @inlinable
  package static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    if any(.!(x .> -87) .| .!(x .< 88)) {
      var out = x
      for i in 0..<16 { out[i] = Float.exp(x[i]) }
      return out
    }
    let magic = SIMD16<Float>(repeating: 0x1.8p23)
    let t = x * 1.442695 + magic
    let n = t - magic
    let r = (x - n * 0.693359375) - n * -2.12194440e-4
    let p = ExpSeries.horner(r, terms: 0...7)  // Σ_{k=0}^{7} r^k / k!
    let bits = unsafeBitCast(t, to: SIMD16<UInt32>.self) &- 0x4B40_0000 &+ 127
    return p * unsafeBitCast(bits &<< 23, to: SIMD16<Float>.self)
  }
}

// The Double and Float sums differ only in the C kernel each calls and the lanes of the portable path (8 doubles
// or 16 floats: one 64-byte vector each).
extension Double {
  /// `Σ_j exp(x_j − shift)` over `n` values, storing each term into `store` when given, vectorized at the
  /// width of `isa`.
  @inlinable
  package static func expShiftedSum(
    _ x: UnsafePointer<Double>, _ n: Int, shift: Double, store: UnsafeMutablePointer<Double>?,
    isa: VectorISA
  ) -> Double {
    if isa != .baseline { return infalign_exp_shifted_sum_f64(isa.kernelLevel, x, n, shift, store) }
    return VectorExp.shiftedSum(x, n, shift: shift, store: store, VectorExp.exp as (SIMD8<Double>) -> SIMD8<Double>)
  }
}

extension Float {
  /// `Σ_j exp(x_j − shift)` over `n` values, storing each term into `store` when given, vectorized at the
  /// width of `isa`.
  @inlinable
  package static func expShiftedSum(
    _ x: UnsafePointer<Float>, _ n: Int, shift: Float, store: UnsafeMutablePointer<Float>?,
    isa: VectorISA
  ) -> Float {
    if isa != .baseline { return infalign_exp_shifted_sum_f32(isa.kernelLevel, x, n, shift, store) }
    return VectorExp.shiftedSum(x, n, shift: shift, store: store, VectorExp.exp as (SIMD16<Float>) -> SIMD16<Float>)
  }
}

extension VectorExp {
  /// The portable path of `expShiftedSum`: `V`-wide steps with the vector `exp`, summed lane-wise, then the
  /// scalar tail with the C library's `exp`.
  ///
  /// - Complexity: O(n), no allocation.
  @inlinable
  package static func shiftedSum<V: SIMD>(
    _ x: UnsafePointer<V.Scalar>, _ n: Int, shift: V.Scalar, store: UnsafeMutablePointer<V.Scalar>?,
    _ exp: (V) -> V
  ) -> V.Scalar where V.Scalar: BinaryFloatingPoint & ElementaryFunctions {
    var acc = V()
    let shifts = V(repeating: shift)
    let width = V.scalarCount
    var j = 0
    while j + width <= n {
      let e = exp(UnsafeRawPointer(x + j).loadUnaligned(as: V.self) - shifts)
      if let store { UnsafeMutableRawPointer(store + j).storeBytes(of: e, as: V.self) }
      acc += e
      j += width
    }
    var sum = acc.sum()
    while j < n {
      let e = V.Scalar.exp(x[j] - shift)
      store?[j] = e
      sum += e
      j += 1
    }
    return sum
  }
}
