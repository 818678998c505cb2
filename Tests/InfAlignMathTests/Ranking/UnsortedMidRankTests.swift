import InfAlignMath
import Testing

/// Direct SIMD counts against brute force at every vector width this machine runs, for every block/tail shape
/// (n around the 2/4/8/16-lane unrolls, k around the 4-query block), with ties, ±0, ±∞, subnormals and NaN
/// references (never less than or equal to a query).
private func checkUnsorted<T: BLASScalar>(_: T.Type, isa: VectorISA) {
  var rng = TestRNG(21)
  let specials: [T] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1, -1, .nan]
  for n in [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100] {
    for k in [1, 2, 3, 4, 5, 8, 9] {
      let a: [T] = (0..<n).map { _ in rng.int(0..<4) == 0 ? specials[rng.int(0..<specials.count)] : T(rng.int(-3..<4)) }
      let q: [T] = (0..<k).map { _ in rng.int(0..<3) == 0 ? specials[rng.int(0..<specials.count - 1)] : T(rng.int(-4..<5)) }
      var out = [T](repeating: -1, count: k)
      a.withUnsafeBufferPointer { ab in
        q.withUnsafeBufferPointer { qb in
          out.withUnsafeMutableBufferPointer {
            MidRank.countsUnsorted(ab.baseAddress!, n, queries: qb.baseAddress!, k, into: $0.baseAddress!, isa: isa)
          }
        }
      }
      for j in 0..<k {
        var expected: T = 0
        for x in a { if x < q[j] { expected += 1 } else if x == q[j] { expected += 0.5 } }
        #expect(out[j] == expected, "\(isa) n=\(n) k=\(k) query \(j) = \(q[j])")
      }
    }
  }
}

@Test(arguments: VectorISA.available) func unsortedMidRankMatchesBruteForceDouble(isa: VectorISA) {
  checkUnsorted(Double.self, isa: isa)
}
@Test(arguments: VectorISA.available) func unsortedMidRankMatchesBruteForceFloat(isa: VectorISA) {
  checkUnsorted(Float.self, isa: isa)
}

/// The output may be the query buffer itself.
@Test func unsortedMidRankInPlace() {
  let a: [Double] = [3, 1, 2, 2, 5, 0, 4, 2, 9]
  var q: [Double] = [2, 10, -1, 4, 2.5]
  q.withUnsafeMutableBufferPointer { qb in
    a.withUnsafeBufferPointer { MidRank.countsUnsorted($0.baseAddress!, a.count, queries: UnsafePointer(qb.baseAddress!), qb.count, into: qb.baseAddress!) }
  }
  #expect(q == [3.5, 9, 0, 6.5, 5])
}
