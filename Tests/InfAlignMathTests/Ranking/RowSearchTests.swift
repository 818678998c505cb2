import InfAlignMath
import Testing

/// Lower and upper bounds against counting by brute force (`#{x < q}`, `#{x ≤ q}`).
private func checkBounds<T: BLASScalar>(_: T.Type) throws {
  let rows = 6, mCols = 40, kCols = 25
  let (sorted, queries) = try sortedAndQueries(T.self, rows: rows, sortedColumns: mCols, queryColumns: kCols)
  var lower = [Int](repeating: 0, count: rows * kCols), upper = lower
  sorted.withUnsafeBufferPointer { s in
    queries.withUnsafeBufferPointer { q in
      lower.withUnsafeMutableBufferPointer {
        RowSearch.lowerBounds(sorted: s, rows: rows, sortedColumns: mCols, queries: q, queryColumns: kCols, into: $0)
      }
      upper.withUnsafeMutableBufferPointer {
        RowSearch.upperBounds(sorted: s, rows: rows, sortedColumns: mCols, queries: q, queryColumns: kCols, into: $0)
      }
    }
  }
  for i in 0..<rows {
    for j in 0..<kCols {
      let q = queries[i, j]
      #expect(lower[i * kCols + j] == sorted.row(i).filter { $0 < q }.count)
      #expect(upper[i * kCols + j] == sorted.row(i).filter { $0 <= q }.count)
    }
  }
}

@Test func searchesMatchBruteForceDouble() throws { try checkBounds(Double.self) }
@Test func searchesMatchBruteForceFloat() throws { try checkBounds(Float.self) }

/// Eight searches stepping together give each query's `#{x < q}`, for every run length from 1 to 70 (odd and even
/// halvings), ties, queries equal to references, below the first and above the last, and ±0.
private func checkLowerBounds8<T: BLASScalar>(_: T.Type) {
  var g = Xoshiro256StarStar(seed: 17)
  for n in 1...70 {
    var run = (0..<n).map { _ in T(((Random.uniform(using: &g) as Double) * 12).rounded(.down)) - 4 }
    if n > 3 { run[1] = -0.0 }
    run.sort()
    let candidates = run + [-100, 100, 0, -0.0, 0.5, run[0], run[n - 1]]
    let queries = (0..<8).map { _ in candidates[Int((Random.uniform(using: &g) as Double) * Double(candidates.count))] }
    let lower = run.withUnsafeBufferPointer { a in
      queries.withUnsafeBufferPointer { q in RowSearch.lowerBounds8(a.baseAddress!, n, q.baseAddress!) }
    }
    for i in 0..<8 {
      #expect(lower[i] == run.filter { $0 < queries[i] }.count, "n \(n) query \(queries[i])")
    }
  }
}

@Test func eightSearchesAtOnceMatchBruteForce() {
  checkLowerBounds8(Double.self)
  checkLowerBounds8(Float.self)
}
