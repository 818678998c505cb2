import InfAlignSolvers
import Testing

/// One-shot calibration is bit-identical to a table, on both of its paths (direct counts for k ≤ 64 queries,
/// sorting above, and always under leave-one-out), ragged, with ties; errors name the prompt.
private func checkOneShot<T: BLASScalar>(_: T.Type) throws {
  var rng = TestRNG(17)
  let counts = [1, 5, 33, 64, 200, 7]
  let queryCounts = [3, 64, 65, 0, 130, 4]
  let refs: [[T]] = counts.map { m in (0..<m).map { _ in T(rng.int(0..<20)) / 4 } }
  let queries: [[T]] = queryCounts.map { k in (0..<k).map { _ in T(rng.int(-4..<24)) / 4 } }
  let table = try CalibrationTable(references: refs)
  for smooth in [false, true] {
    let options = CalibrationOptions(smoothing: smooth)
    let expected = try table.calibrate(queries, options: options)
    let got = try OneShotCalibration.calibrate(references: refs, queries: queries, options: options)
    #expect(got == expected, "smoothing \(smooth)")
  }
  let loo = try OneShotCalibration.calibrate(
    references: Array(refs[1...]), queries: Array(refs[1...]), options: .init(leaveOneOut: true))
  #expect(loo == (try CalibrationTable(references: Array(refs[1...])).calibrate(Array(refs[1...]), options: .init(leaveOneOut: true))))
  // Dense, in place.
  let b = 8, m = 96, k = 16
  let dense = Matrix<T>(rows: b, columns: m) { _, _ in T(rng.normal()) }
  var q = Matrix<T>(rows: b, columns: k) { _, _ in T(rng.normal()) }
  let want = try CalibrationTable(references: dense).calibrate(q)
  try dense.withUnsafeBufferPointer { (r) throws(InfAlignError) in
    try q.withUnsafeMutableBufferPointer { (qb) throws(InfAlignError) in
      try OneShotCalibration.calibrate(references: r, referenceColumns: m, queries: UnsafeBufferPointer(qb),
                                       queryColumns: k, rows: b, into: qb)
    }
  }
  #expect(q == want)
  // Errors name the prompt and the value.
  var bad = refs
  bad[2][7] = .nan
  #expect(throws: InfAlignError.nonFinite(field: "reference reward", prompt: 2, index: 7, value: .nan)) {
    try OneShotCalibration.calibrate(references: bad, queries: queries)
  }
  var badQueries = queries
  badQueries[5][1] = .infinity
  #expect(throws: InfAlignError.nonFinite(field: "reward", prompt: 5, index: 1, value: .infinity)) {
    try OneShotCalibration.calibrate(references: refs, queries: badQueries)
  }
  #expect(throws: InfAlignError.emptyReferences(prompt: 1, count: 0)) {
    try OneShotCalibration.calibrate(references: [[T(1)], []], queries: [[T(1)], [T(2)]])
  }
}

@Test func oneShotCalibrationEqualsTableDouble() throws { try checkOneShot(Double.self) }
@Test func oneShotCalibrationEqualsTableFloat() throws { try checkOneShot(Float.self) }
