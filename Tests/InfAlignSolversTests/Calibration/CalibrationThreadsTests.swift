import InfAlignSolvers
import Testing

/// Ragged prompts of varied sizes: some take the direct-count path (k ≤ 64), some the sorting path.
private struct RaggedBatch<T: BLASScalar> {
  var references: [T] = [], queries: [T] = []
  var referenceOffsets = [0], queryOffsets = [0]

  init(prompts: Int, seed: UInt64) {
    var rng = TestRNG(seed)
    for _ in 0..<prompts {
      let m = rng.int(1..<300), k = rng.int(0..<100)
      for _ in 0..<m { references.append(T(rng.int(0..<50)) / 4) }  // ties
      for _ in 0..<k { queries.append(T(rng.int(-2..<52)) / 4) }
      referenceOffsets.append(references.count)
      queryOffsets.append(queries.count)
    }
  }

  func oneShot(threads: Int, options: CalibrationOptions = .init()) throws(InfAlignError) -> [T] {
    var out = [T](repeating: 0, count: queries.count)
    try references.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try referenceOffsets.withUnsafeBufferPointer { (ro) throws(InfAlignError) in
        try queries.withUnsafeBufferPointer { (q) throws(InfAlignError) in
          try queryOffsets.withUnsafeBufferPointer { (qo) throws(InfAlignError) in
            try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
              try OneShotCalibration.calibrate(
                references: r, referenceOffsets: ro, queries: q, queryOffsets: qo, into: o, options: options,
                threads: threads)
            }
          }
        }
      }
    }
    return out
  }

  func table(threads: Int, options: CalibrationOptions = .init()) throws(InfAlignError) -> [T] {
    let counts = (0..<(referenceOffsets.count - 1)).map { referenceOffsets[$0 + 1] - referenceOffsets[$0] }
    let table = try references.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try counts.withUnsafeBufferPointer { (c) throws(InfAlignError) in try CalibrationTable(references: r, counts: c) }
    }
    var out = [T](repeating: 0, count: queries.count)
    try queries.withUnsafeBufferPointer { (q) throws(InfAlignError) in
      try queryOffsets.withUnsafeBufferPointer { (qo) throws(InfAlignError) in
        try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
          try table.calibrate(queries: q, queryOffsets: qo, into: o, options: options, threads: threads)
        }
      }
    }
    return out
  }
}

/// One-shot and table calibration give the same bits for every thread count, on both paths and every option.
private func checkThreadedCalibration<T: BLASScalar>(_: T.Type) throws {
  let batch = RaggedBatch<T>(prompts: 1200, seed: 21)
  for options in [CalibrationOptions(), CalibrationOptions(smoothing: true)] {
    let single = try batch.oneShot(threads: 1, options: options)
    #expect(try batch.table(threads: 1, options: options) == single)
    for threads in [2, 3, 8] {
      #expect(try batch.oneShot(threads: threads, options: options) == single)
      #expect(try batch.table(threads: threads, options: options) == single)
    }
  }
  // Dense, through the Matrix conveniences.
  var rng = TestRNG(22)
  let refs = Matrix<T>(rows: 2000, columns: 40, storage: (0..<80_000).map { _ in T(rng.normal()) })
  let queries = Matrix<T>(rows: 2000, columns: 70, storage: (0..<140_000).map { _ in T(rng.normal()) })
  let single = try OneShotCalibration.calibrate(references: refs, queries: queries, threads: 1)
  let table = try CalibrationTable(references: refs)
  for threads in [2, 5] {
    #expect(try OneShotCalibration.calibrate(references: refs, queries: queries, threads: threads) == single)
    #expect(try table.calibrate(queries, threads: threads) == single)
  }
}

@Test func threadedCalibrationBitIdenticalDouble() throws { try checkThreadedCalibration(Double.self) }
@Test func threadedCalibrationBitIdenticalFloat() throws { try checkThreadedCalibration(Float.self) }

/// With several bad prompts, every thread count reports the first one, as a single thread does.
@Test func threadedCalibrationReportsTheFirstBadPrompt() throws {
  var batch = RaggedBatch<Double>(prompts: 1200, seed: 23)
  let badPrompts = [500, 1000]
  for b in badPrompts where batch.queryOffsets[b + 1] == batch.queryOffsets[b] {
    Issue.record("prompt \(b) has no queries; pick another seed")
  }
  for b in badPrompts { batch.queries[batch.queryOffsets[b]] = .nan }
  for threads in [1, 2, 4] {
    #expect(throws: InfAlignError.nonFinite(field: "reward", prompt: 500, index: 0, value: .nan)) {
      _ = try batch.oneShot(threads: threads)
    }
    #expect(throws: InfAlignError.nonFinite(field: "reward", prompt: 500, index: 0, value: .nan)) {
      _ = try batch.table(threads: threads)
    }
  }
}
