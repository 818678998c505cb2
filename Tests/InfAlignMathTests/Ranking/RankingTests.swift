import InfAlignMath
import Testing

private func specials<T: BLASScalar>(_: T.Type) -> [T] {
  [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
   .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1, -1, 1, 1, 0.5, -0.5, .ulpOfOne]
}

private func checkSort<T: BLASScalar>(_: T.Type) throws {
  var rng = TestRNG(9)
  for n in [0, 1, 2, 3, 10, 47, 48, 49, 100, 1000, 3000] {
    var values: [T] = (0..<n).map { _ in T(rng.normal() * 100) }
    // Sprinkle specials and duplicates.
    for (k, s) in specials(T.self).enumerated() where k < n { values[rng.int(0..<n)] = s }
    if n > 4 { values[0] = values[n - 1] }
    var sorted = values
    try RadixSort.sort(&sorted)
    for i in 1..<max(sorted.count, 1) where sorted.count > 1 { #expect(!(sorted[i] < sorted[i - 1]), "n = \(n)") }
    // A permutation: same multiset of bit patterns.
    #expect(sorted.map(\.bitPattern).sorted() == values.map(\.bitPattern).sorted())
    // Same values as the standard library's sort (±0 compare equal).
    #expect(sorted == values.sorted())
  }
  // All equal, ±0 order.
  var zeros: [T] = [0, -0.0, 0, -0.0]
  try RadixSort.sort(&zeros)
  #expect(zeros.map { $0.sign } == [.minus, .minus, .plus, .plus])
}

@Test func radixSortDouble() throws { try checkSort(Double.self) }
@Test func radixSortFloat() throws { try checkSort(Float.self) }

@Test func sortRejectsNaNNamingRowAndColumn() {
  var m = Matrix<Float>([[3, 2, 1], [1, .nan, 2]])
  #expect(throws: MathError.nonFinite(row: 1, column: 1, value: .nan)) { try RowSort.sortRows(&m) }
  var long = [Double](repeating: 1, count: 200)
  long[150] = .nan
  #expect(throws: MathError.nonFinite(row: 0, column: 150, value: .nan)) { try RadixSort.sort(&long) }
}

private func checkRowsAndRagged<T: BLASScalar>(_: T.Type) throws {
  var rng = TestRNG(21)
  var m: Matrix<T> = rng.matrix(7, 130, -5, 5)
  let original = m
  try RowSort.sortRows(&m)
  for i in 0..<7 { #expect(Array(m.row(i)) == original.row(i).sorted()) }
  // Ragged rows of lengths 0, 1, 5, 200.
  let lengths = [0, 1, 5, 200]
  var offsets = [0]
  for l in lengths { offsets.append(offsets.last! + l) }
  var flat: [T] = (0..<offsets.last!).map { _ in T(rng.int(0..<20)) }
  let before = flat
  try flat.withUnsafeMutableBufferPointer { (buf) throws(MathError) in
    try offsets.withUnsafeBufferPointer { (o) throws(MathError) in try RowSort.sortRows(buf, offsets: o) }
  }
  for r in 0..<lengths.count {
    #expect(Array(flat[offsets[r]..<offsets[r + 1]]) == before[offsets[r]..<offsets[r + 1]].sorted())
  }
}

@Test func rowAndRaggedSortDouble() throws { try checkRowsAndRagged(Double.self) }
@Test func rowAndRaggedSortFloat() throws { try checkRowsAndRagged(Float.self) }

private func checkSearches<T: BLASScalar>(_: T.Type) throws {
  var rng = TestRNG(33)
  let rows = 6, mCols = 40, kCols = 25
  var sorted = Matrix<T>(rows: rows, columns: mCols) { _, _ in T(rng.int(0..<10)) }  // many ties
  try RowSort.sortRows(&sorted)
  let queries = Matrix<T>(rows: rows, columns: kCols) { _, _ in T(rng.int(-1..<11)) }
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
  let mid = MidRank.counts(sorted: sorted, queries: queries)
  for i in 0..<rows {
    for j in 0..<kCols {
      let q = queries[i, j]
      let less = sorted.row(i).filter { $0 < q }.count, equal = sorted.row(i).filter { $0 == q }.count
      #expect(lower[i * kCols + j] == less)
      #expect(upper[i * kCols + j] == less + equal)
      #expect(mid[i, j] == T(less) + T(equal) / 2)
    }
  }
  // Ragged mid-ranks equal dense ones.
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

@Test func searchesMatchBruteForceDouble() throws { try checkSearches(Double.self) }
@Test func searchesMatchBruteForceFloat() throws { try checkSearches(Float.self) }
