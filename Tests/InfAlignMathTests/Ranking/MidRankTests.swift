import InfAlignMath
import Testing

/// Mid-ranks `#{x < q} + #{x = q}/2` against counting by brute force, and the ragged form equal to the dense one.
private func checkMidRanks<T: BLASScalar>(_: T.Type) throws {
  let rows = 6, mCols = 40, kCols = 25
  let (sorted, queries) = try sortedAndQueries(T.self, rows: rows, sortedColumns: mCols, queryColumns: kCols)
  let mid = MidRank.counts(sorted: sorted, queries: queries)
  for i in 0..<rows {
    for j in 0..<kCols {
      let q = queries[i, j]
      let less = sorted.row(i).filter { $0 < q }.count, equal = sorted.row(i).filter { $0 == q }.count
      #expect(mid[i, j] == T(less) + T(equal) / 2)
    }
  }
  let sOffsets = (0...rows).map { $0 * mCols }, qOffsets = (0...rows).map { $0 * kCols }
  var ragged = [T](repeating: 0, count: rows * kCols)
  sorted.withUnsafeBufferPointer { s in
    queries.withUnsafeBufferPointer { q in
      sOffsets.withUnsafeBufferPointer { so in
        qOffsets.withUnsafeBufferPointer { qo in
          ragged.withUnsafeMutableBufferPointer {
            MidRank.counts(sorted: s, sortedOffsets: so, queries: q, queryOffsets: qo, into: $0)
          }
        }
      }
    }
  }
  #expect(ragged == mid.storage)
}

@Test func midRanksMatchBruteForceDouble() throws { try checkMidRanks(Double.self) }
@Test func midRanksMatchBruteForceFloat() throws { try checkMidRanks(Float.self) }
