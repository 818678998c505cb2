import InfAlignMath
import Testing

/// Direct SIMD counts against brute force, for every block/tail shape (n around the 4/8-lane unroll, k around the
/// 4-query block), with ties, ±0, ±∞ and subnormals.
private func checkUnsorted<T: BLASScalar>(_: T.Type) {
  var rng = TestRNG(21)
  let specials: [T] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1, -1]
  for n in [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 100] {
    for k in [1, 2, 3, 4, 5, 8, 9] {
      let a: [T] = (0..<n).map { _ in rng.int(0..<4) == 0 ? specials[rng.int(0..<specials.count)] : T(rng.int(-3..<4)) }
      let q: [T] = (0..<k).map { _ in rng.int(0..<3) == 0 ? specials[rng.int(0..<specials.count)] : T(rng.int(-4..<5)) }
      var out = [T](repeating: -1, count: k)
      a.withUnsafeBufferPointer { ab in
        q.withUnsafeBufferPointer { qb in
          out.withUnsafeMutableBufferPointer { MidRank.countsUnsorted(ab.baseAddress!, n, queries: qb.baseAddress!, k, into: $0.baseAddress!) }
        }
      }
      for j in 0..<k {
        var expected: T = 0
        for x in a { if x < q[j] { expected += 1 } else if x == q[j] { expected += 0.5 } }
        #expect(out[j] == expected, "n=\(n) k=\(k) query \(j) = \(q[j])")
      }
    }
  }
}

@Test func unsortedMidRankMatchesBruteForceDouble() { checkUnsorted(Double.self) }
@Test func unsortedMidRankMatchesBruteForceFloat() { checkUnsorted(Float.self) }

/// The output may be the query buffer itself.
@Test func unsortedMidRankInPlace() {
  let a: [Double] = [3, 1, 2, 2, 5, 0, 4, 2, 9]
  var q: [Double] = [2, 10, -1, 4, 2.5]
  q.withUnsafeMutableBufferPointer { qb in
    a.withUnsafeBufferPointer { MidRank.countsUnsorted($0.baseAddress!, a.count, queries: UnsafePointer(qb.baseAddress!), qb.count, into: qb.baseAddress!) }
  }
  #expect(q == [3.5, 9, 0, 6.5, 5])
}
