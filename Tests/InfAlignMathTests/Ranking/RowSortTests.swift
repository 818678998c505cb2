import InfAlignMath
import Testing

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

/// A NaN is refused, naming its row and column, by the row sort and by the radix sort under it.
@Test func sortRejectsNaNNamingRowAndColumn() {
  var m = Matrix<Float>([[3, 2, 1], [1, .nan, 2]])
  #expect(throws: MathError.nonFinite(row: 1, column: 1, value: .nan)) { try RowSort.sortRows(&m) }
  var long = [Double](repeating: 1, count: 200)
  long[150] = .nan
  #expect(throws: MathError.nonFinite(row: 0, column: 150, value: .nan)) { try RadixSort.sort(&long) }
}
