import Foundation
import InfAlignSolvers
import Testing

/// Brute-force O(K·M) calibrated value.
private func bruteForce(_ refs: [Double], _ q: Double, loo: Bool = false, smooth: Bool = false) -> Double {
  var less = 0.0, equal = 0.0
  for r in refs { if r < q { less += 1 } else if r == q { equal += 1 } }
  var count = less + equal / 2
  var m = Double(refs.count)
  if loo { count -= 0.5; m -= 1 }
  return smooth ? (count + 0.5) / (m + 1) : count / m
}

private func checkDense<T: BLASScalar>(_: T.Type) throws {
  var rng = TestRNG(1)
  let b = 5, m = 33, k = 12
  // Integer-valued rewards: many ties.
  let refs = Matrix<T>(rows: b, columns: m) { _, _ in T(rng.int(0..<15)) }
  let queries = Matrix<T>(rows: b, columns: k) { _, _ in T(rng.int(-2..<17)) }
  let table = try CalibrationTable(references: refs)
  for smooth in [false, true] {
    let u = try table.calibrate(queries, options: .init(smoothing: smooth))
    for i in 0..<b {
      let row = refs.row(i).map(Double.init)
      for j in 0..<k {
        let expected = bruteForce(row, Double(queries[i, j]), smooth: smooth)
        #expect(isClose(Double(u[i, j]), expected, T.self == Double.self ? 1e-15 : 1e-7))
        #expect(u[i, j] >= 0 && u[i, j] <= 1)
      }
    }
  }
  // References against themselves average ½ per prompt: exactly when M is a power of two (division by M is
  // exact), to rounding otherwise.
  let selfCalibrated = try table.calibrate(refs)
  for i in 0..<b {
    #expect(isClose(selfCalibrated.row(i).reduce(0.0) { $0 + Double($1) } / Double(m), 0.5, T.self == Double.self ? 1e-15 : 1e-7))
  }
  let refs32 = Matrix<T>(rows: b, columns: 32) { _, _ in T(rng.int(0..<15)) }
  let self32 = try CalibrationTable(references: refs32).calibrate(refs32)
  for i in 0..<b { #expect(self32.row(i).reduce(0.0) { $0 + Double($1) } == 16) }
  // Leave-one-out equals brute force with the sample removed.
  for smooth in [false, true] {
    let loo = try table.calibrate(refs, options: .init(leaveOneOut: true, smoothing: smooth))
    for i in 0..<b {
      let row = refs.row(i).map(Double.init)
      for j in 0..<m {
        var rest = row
        rest.remove(at: j)
        let expected = smooth ? bruteForce(rest, row[j], smooth: true) : bruteForce(rest, row[j])
        #expect(isClose(Double(loo[i, j]), expected, T.self == Double.self ? 1e-15 : 1e-7))
      }
    }
  }
}

@Test func calibrationMatchesBruteForceDouble() throws { try checkDense(Double.self) }
@Test func calibrationMatchesBruteForceFloat() throws { try checkDense(Float.self) }

@Test func calibrationIsInvariantUnderIncreasingMaps() throws {
  var rng = TestRNG(2)
  let refs: [[Double]] = (0..<4).map { _ in (0..<50).map { _ in rng.normal() } }
  let queries: [[Double]] = (0..<4).map { _ in (0..<20).map { _ in rng.normal() * 2 } }
  let base = try CalibrationTable(references: refs).calibrate(queries)
  let maps: [(Double) -> Double] = [{ $0 * $0 * $0 + 2 * $0 }, { Foundation.exp($0) }, { 1000 * $0 - 7 }]
  for f in maps {
    let mapped = try CalibrationTable(references: refs.map { $0.map(f) }).calibrate(queries.map { $0.map(f) })
    #expect(mapped == base)
  }
}

@Test func raggedEqualsDense() throws {
  var rng = TestRNG(3)
  let counts = [3, 1, 40, 7]
  let refs: [[Float]] = counts.map { c in (0..<c).map { _ in Float(rng.int(0..<6)) } }
  let queries: [[Float]] = counts.map { _ in (0..<5).map { _ in Float(rng.int(0..<6)) } }
  let table = try CalibrationTable(references: refs)
  #expect(table.referenceCount(prompt: 2) == 40)
  #expect(Array(table.sortedReferences(prompt: 0)) == refs[0].sorted())
  let ragged = try table.calibrate(queries)
  for b in 0..<4 {
    let single = try CalibrationTable(references: [refs[b]]).calibrate([queries[b]])[0]
    #expect(ragged[b] == single)
    for (j, q) in queries[b].enumerated() {
      #expect(try table.calibrate(prompt: b, query: q) == ragged[b][j])
    }
  }
  // Flat ragged API with offsets.
  let flat = queries.flatMap { $0 }
  let offsets = [0, 5, 10, 15, 20]
  var out = [Float](repeating: 0, count: 20)
  try flat.withUnsafeBufferPointer { (q) throws(InfAlignError) in
    try offsets.withUnsafeBufferPointer { (o) throws(InfAlignError) in
      try out.withUnsafeMutableBufferPointer { (dst) throws(InfAlignError) in
        try table.calibrate(queries: q, queryOffsets: o, into: dst)
      }
    }
  }
  #expect(out == ragged.flatMap { $0 })
}

@Test func calibrationErrorsNameThePrompt() throws {
  #expect(throws: InfAlignError.nonFinite(field: "reference reward", prompt: 1, index: 2, value: .nan)) {
    try CalibrationTable(references: [[1.0, 2], [3, 4, .nan]])
  }
  #expect(throws: InfAlignError.emptyReferences(prompt: 1, count: 0)) {
    try CalibrationTable<Double>(references: [[1.0], []])
  }
  let table = try CalibrationTable(references: [[1.0, 2], [3]])
  #expect(throws: InfAlignError.nonFinite(field: "reward", prompt: 0, index: 1, value: .infinity)) {
    try table.calibrate([[1.0, .infinity], [3]])
  }
  #expect(throws: InfAlignError.emptyReferences(prompt: 1, count: 1)) {
    try table.calibrate([[1.0], [3]], options: .init(leaveOneOut: true))
  }
  #expect(throws: InfAlignError.self) {
    try CalibrationTable(references: [[1.0, 2, 3]]).calibrate([[1.5]], options: .init(leaveOneOut: true))
  }
  #expect(throws: InfAlignError.self) { try table.calibrate([[1.0]]) }  // wrong prompt count
  #expect(throws: InfAlignError.self) {
    try [1.0, 2, 3].withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try [2, 2].withUnsafeBufferPointer { (c) throws(InfAlignError) in _ = try CalibrationTable(references: r, counts: c) }
    }
  }
  let message = InfAlignError.emptyReferences(prompt: 4, count: 0).description
  #expect(message.contains("prompt 4"))
}
