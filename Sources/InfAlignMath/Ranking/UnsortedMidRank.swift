import CInfAlignSIMD

/// Mid-rank counts against an *unsorted* run, by direct comparison: `#{i : a_i < q} + ½·#{i : a_i = q}` for each
/// of `k` queries, in O(k·n) compares and no sort.
///
/// For a few queries per prompt this beats sorting the references (a radix sort costs 10–30 ns per key, a compare
/// here ~0.1–0.2 ns per (query, reference) pair at SSE2 width), so one-shot calibration with `k ≲ 64` queries per
/// prompt uses it; repeated calibration against the same references should sort once (``RowSort``) and search
/// (``MidRank/count(_:_:_:)``).
///
/// Each block of four queries streams the run once; per lane it adds `[a < q] + [a ≤ q]` (``lanes(_:below:)``),
/// so the sum is `#less + #lessOrEqual = 2·midRank`: two compares and two integer adds per element, no branch.
/// Results are exact (the counts are integers, halved at the end).
///
/// On CPUs with AVX2 or AVX-512 (``VectorISA/active``) the same algorithm runs in C at that width
/// (`CInfAlignSIMD/midrank_counts.c`; about 0.1 ns per pair at AVX-512); the Swift code below is the portable path.
extension MidRank {
  /// Mid-rank counts of `queries[0..<k]` against the unsorted run `a[0..<n]`, into `out[0..<k]`, at the vector
  /// width of `isa` (by default ``VectorISA/active``; the counts are exact at every width).
  ///
  /// Values must not be NaN (a NaN query counts 0; a NaN reference is never less than or equal to anything).
  ///
  /// - Complexity: O(k·n), no allocation.
  @inlinable
  package static func countsUnsorted<T: BLASScalar>(
    _ a: UnsafePointer<T>, _ n: Int, queries: UnsafePointer<T>, _ k: Int, into out: UnsafeMutablePointer<T>,
    isa: VectorISA = .active
  ) {
    T.midRankCountsUnsorted(a, n, queries, k, out, isa: isa)
  }
}

// The Double and Float entry points differ only in the C kernel each calls and the lanes of the portable path
// (SIMD2<Double> with Int64 counts, SIMD4<Float> with Int32 counts: one 16-byte register each).
extension Double {
  @inlinable
  package static func midRankCountsUnsorted(
    _ a: UnsafePointer<Double>, _ n: Int, _ q: UnsafePointer<Double>, _ k: Int, _ out: UnsafeMutablePointer<Double>,
    isa: VectorISA
  ) {
    if isa != .baseline { return infalign_midrank_counts_f64(isa.kernelLevel, a, n, q, k, out) }
    MidRank.countsUnsortedPortable(a, n, q, k, out, lanes: SIMD2<Double>.self)
  }
}

extension Float {
  @inlinable
  package static func midRankCountsUnsorted(
    _ a: UnsafePointer<Float>, _ n: Int, _ q: UnsafePointer<Float>, _ k: Int, _ out: UnsafeMutablePointer<Float>,
    isa: VectorISA
  ) {
    if isa != .baseline { return infalign_midrank_counts_f32(isa.kernelLevel, a, n, q, k, out) }
    MidRank.countsUnsortedPortable(a, n, q, k, out, lanes: SIMD4<Float>.self)
  }
}

extension MidRank {
  /// The portable path of ``countsUnsorted(_:_:queries:_:into:isa:)`` with `V`'s lanes: blocks of four queries,
  /// each streaming the run two vectors at a time, counts in `V`'s mask lanes (`Int64` for `Double`, `Int32` for
  /// `Float`: a lane gains at most 4 per `2·V.scalarCount` elements, so `n < 2³¹` is safe), then a scalar tail.
  @inlinable
  package static func countsUnsortedPortable<V: SIMD>(
    _ a: UnsafePointer<V.Scalar>, _ n: Int, _ q: UnsafePointer<V.Scalar>, _ k: Int,
    _ out: UnsafeMutablePointer<V.Scalar>, lanes _: V.Type
  ) where V.Scalar: BinaryFloatingPoint, V.MaskStorage.MaskStorage == V.MaskStorage {
    let width = V.scalarCount
    var j = 0
    while j < k {
      let w = Swift.min(4, k - j), last = w - 1
      // A short block repeats its last query in the spare slots (computed, not written).
      let q0 = V(repeating: q[j]), q1 = V(repeating: q[j + Swift.min(1, last)])
      let q2 = V(repeating: q[j + Swift.min(2, last)]), q3 = V(repeating: q[j + last])
      var c0 = V.MaskStorage(), c1 = c0, c2 = c0, c3 = c0
      var i = 0
      while i + 2 * width <= n {
        let r = UnsafeRawPointer(a + i).loadUnaligned(as: V.self)
        let s = UnsafeRawPointer(a + i + width).loadUnaligned(as: V.self)
        c0 &+= lanes(r, below: q0) &+ lanes(s, below: q0)
        c1 &+= lanes(r, below: q1) &+ lanes(s, below: q1)
        c2 &+= lanes(r, below: q2) &+ lanes(s, below: q2)
        c3 &+= lanes(r, below: q3) &+ lanes(s, below: q3)
        i += 2 * width
      }
      var twice = (Int(c0.wrappedSum()), Int(c1.wrappedSum()), Int(c2.wrappedSum()), Int(c3.wrappedSum()))
      while i < n {
        let x = a[i]
        twice.0 += (x < q0[0] ? 1 : 0) + (x <= q0[0] ? 1 : 0)
        twice.1 += (x < q1[0] ? 1 : 0) + (x <= q1[0] ? 1 : 0)
        twice.2 += (x < q2[0] ? 1 : 0) + (x <= q2[0] ? 1 : 0)
        twice.3 += (x < q3[0] ? 1 : 0) + (x <= q3[0] ? 1 : 0)
        i += 1
      }
      out[j] = V.Scalar(twice.0) / 2
      if w > 1 { out[j + 1] = V.Scalar(twice.1) / 2 }
      if w > 2 { out[j + 2] = V.Scalar(twice.2) / 2 }
      if w > 3 { out[j + 3] = V.Scalar(twice.3) / 2 }
      j += 4
    }
  }
}

/// `[r < q] + [r ≤ q]` per lane (0, 1 or 2): twice the lanes' mid-rank contribution. The masks become integers
/// through `replacing(with:where:)` (the compiler emits the same mask subtraction as reading the mask's bits).
@inlinable @inline(__always)
func lanes<V: SIMD>(_ r: V, below q: V) -> V.MaskStorage
where V.Scalar: BinaryFloatingPoint, V.MaskStorage.MaskStorage == V.MaskStorage {
  V.MaskStorage().replacing(with: 1, where: r .< q) &+ V.MaskStorage().replacing(with: 1, where: r .<= q)
}
