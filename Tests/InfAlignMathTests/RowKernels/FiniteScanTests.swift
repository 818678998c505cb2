import InfAlignMath
import Testing

/// The first non-finite value is found at every position, across SIMD blocks and tails, for NaN and ±∞, even
/// with a later NaN in the same block; the largest finite values are finite.
private func checkFirstNonFinite<T: BLASScalar>(_: T.Type) {
  for n in [1, 7, 8, 9, 63, 64, 65, 130] {
    var x = [T](repeating: 1.5, count: n)
    #expect(x.withUnsafeBufferPointer { RowReductions.firstNonFinite($0.baseAddress!, n) } == nil)
    for i in 0..<n {
      for bad in [T.nan, .infinity, -.infinity] {
        x[i] = bad
        if i + 1 < n { x[n - 1] = .nan }
        #expect(x.withUnsafeBufferPointer { RowReductions.firstNonFinite($0.baseAddress!, n) } == i, "n=\(n) i=\(i)")
        x = [T](repeating: 1.5, count: n)
      }
    }
  }
  let extremes: [T] = [1, 2, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.infinity]
  #expect(extremes.withUnsafeBufferPointer { RowReductions.firstNonFinite($0.baseAddress!, 6) } == 5)
}

@Test func firstNonFiniteFindsEveryPositionDouble() { checkFirstNonFinite(Double.self) }
@Test func firstNonFiniteFindsEveryPositionFloat() { checkFirstNonFinite(Float.self) }
