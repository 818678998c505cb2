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
