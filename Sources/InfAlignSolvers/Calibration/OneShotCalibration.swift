import InfAlignMath

/// One-shot calibration: references and queries of a batch of prompts in, calibrated rewards out, when the
/// references are used once (MATH.md §2; same values, options and errors as ``CalibrationTable``).
///
/// Per prompt it picks the cheaper exact method through the shared `RowCalibrator`: with few queries (`k ≤`
/// ``directQueryLimit``) and no leave-one-out, a direct SIMD count of each query against the unsorted references
/// (O(k·M) compares, no sort); otherwise a radix sort of the prompt's references into a scratch row and binary
/// searches. Both give bit-identical results. To calibrate
/// against the same references repeatedly, build a ``CalibrationTable`` once instead.
public enum OneShotCalibration {
  /// Queries per prompt up to which counting beats sorting (`RowCalibrator.directQueryLimit`).
  public static var directQueryLimit: Int { RowCalibrator.directQueryLimit }

  /// Ragged: prompt `b`'s references are `references[referenceOffsets[b] ..< referenceOffsets[b+1]]` and its queries
  /// `queries[queryOffsets[b] ..< queryOffsets[b+1]]`; results go to the queries' positions in `out`, which holds as
  /// many values as `queries`.
  ///
  /// - Throws: ``InfAlignError/nonFinite(field:prompt:index:value:)`` for a NaN/±∞ reference or query (index within
  ///   its prompt); ``InfAlignError/emptyReferences(prompt:count:)`` for a prompt without references (or with one,
  ///   under leave-one-out); ``InfAlignError/shapeMismatch(_:)`` for an output of another length than the queries,
  ///   offsets that do not describe the spans, or (leave-one-out) a query that is not one of its prompt's
  ///   references.
  /// - Parameters:
  ///   - references: every prompt's reference rewards, prompt after prompt.
  ///   - referenceOffsets: `prompts + 1` nondecreasing offsets into `references`, from 0 to `references.count`.
  ///   - queries: every prompt's rewards to calibrate, prompt after prompt.
  ///   - queryOffsets: `prompts + 1` nondecreasing offsets into `queries`, from 0 to `queries.count`.
  ///   - out: receives the calibrated rewards, `queries.count` of them.
  ///   - options: leave-one-out and smoothing (``CalibrationOptions``).
  ///   - threads: threads to split the prompts over (`nil`: `Threads.count`); results are bit-identical for
  ///     every count, and the error thrown is the first in prompt order.
  /// - Complexity: O(Σ min(k_b·M_b, M_b·passes + k_b·log M_b)), divided among the threads; scratch allocated
  ///   once per call (per worker), and only when some prompt takes the sorting path.
  @inlinable
  public static func calibrate<T: BLASScalar>(
    references: Span<T>, referenceOffsets: Span<Int>, queries: Span<T>, queryOffsets: Span<Int>,
    into out: inout MutableSpan<T>, options: CalibrationOptions = .init(), threads: Int? = nil
  ) throws(InfAlignError) {
    try CalibrationTable<T>.checkOutput(out.count, queries: queries.count)
    try references.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try referenceOffsets.withUnsafeBufferPointer { (ro) throws(InfAlignError) in
        try queries.withUnsafeBufferPointer { (q) throws(InfAlignError) in
          try queryOffsets.withUnsafeBufferPointer { (qo) throws(InfAlignError) in
            try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
              try calibrate(
                references: r, referenceOffsets: ro, queries: q, queryOffsets: qo, into: o, options: options,
                threads: threads)
            }
          }
        }
      }
    }
  }

  /// Dense: `rows` prompts with `referenceColumns` references and `queryColumns` queries each, row-major.
  ///
  /// - Throws: as ``calibrate(references:referenceOffsets:queries:queryOffsets:into:options:threads:)``.
  @inlinable
  public static func calibrate<T: BLASScalar>(
    references: Span<T>, referenceColumns: Int, queries: Span<T>, queryColumns: Int, rows: Int,
    into out: inout MutableSpan<T>, options: CalibrationOptions = .init(), threads: Int? = nil
  ) throws(InfAlignError) {
    try CalibrationTable<T>.checkOutput(out.count, queries: queries.count)
    try references.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try queries.withUnsafeBufferPointer { (q) throws(InfAlignError) in
        try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
          try calibrate(
            references: r, referenceColumns: referenceColumns, queries: q, queryColumns: queryColumns, rows: rows,
            into: o, options: options, threads: threads)
        }
      }
    }
  }

  /// The buffer form of ``calibrate(references:referenceOffsets:queries:queryOffsets:into:options:threads:)``, for
  /// this package's modules (the C ABI, the command line): `out` may be the same memory as `queries`; the caller
  /// keeps the memory valid.
  @inlinable
  package static func calibrate<T: BLASScalar>(
    references: UnsafeBufferPointer<T>, referenceOffsets: UnsafeBufferPointer<Int>,
    queries: UnsafeBufferPointer<T>, queryOffsets: UnsafeBufferPointer<Int>, into out: UnsafeMutableBufferPointer<T>,
    options: CalibrationOptions = .init(), threads: Int? = nil
  ) throws(InfAlignError) {
    precondition(out.count == queries.count, "output has \(out.count) slots for \(queries.count) queries")
    let prompts = referenceOffsets.count - 1
    guard prompts >= 0, queryOffsets.count == referenceOffsets.count, referenceOffsets.first == 0,
      referenceOffsets.last == references.count, queryOffsets.first == 0, queryOffsets.last == queries.count
    else {
      throw .shapeMismatch(
        "offsets do not describe the same prompts over \(references.count) references and \(queries.count) queries")
    }
    var longestSorted = 0
    for b in 0..<prompts {
      let m = referenceOffsets[b + 1] - referenceOffsets[b], k = queryOffsets[b + 1] - queryOffsets[b]
      if m < 0 || k < 0 { throw .shapeMismatch("offsets decrease at prompt \(b)") }
      if !useDirect(k, options) { longestSorted = Swift.max(longestSorted, m) }
    }
    // Prompts split over threads in blocks of at least ~32K references and queries; each worker has its own
    // scratch for the sorting path (the row and the radix buffer, plus one histogram).
    let minimumRows = Swift.max(1, 32_768 * Swift.max(1, prompts) / Swift.max(1, references.count + queries.count))
    let workers = ParallelRows.workers(rows: prompts, threads: threads, minimumRows: minimumRows)
    let histogramCapacity = longestSorted > 0 ? RadixSort.histogramCapacity(T.self) : 0
    let scratch = UnsafeMutableBufferPointer<T>.allocate(capacity: workers * 2 * longestSorted)
    defer { scratch.deallocate() }
    let histograms = UnsafeMutablePointer<Int32>.allocate(capacity: workers * histogramCapacity)
    defer { histograms.deallocate() }
    try ParallelRows.forEach(rows: prompts, threads: threads, minimumRows: minimumRows) {
      (block, worker) throws(InfAlignError) in
      let mine = UnsafeMutableBufferPointer(
        rebasing: scratch[(worker * 2 * longestSorted)..<((worker + 1) * 2 * longestSorted)])
      for b in block {
        try calibratePrompt(
          b, references: references, referenceOffsets: referenceOffsets, queries: queries, queryOffsets: queryOffsets,
          into: out, options: options, scratch: mine, histogram: histograms + worker * histogramCapacity)
      }
    }
  }

  /// Prompt `b` of ``calibrate(references:referenceOffsets:queries:queryOffsets:into:options:threads:)``, with
  /// `scratch` holding at least twice its reference count when it takes the sorting path.
  @inlinable
  static func calibratePrompt<T: BLASScalar>(
    _ b: Int, references: UnsafeBufferPointer<T>, referenceOffsets: UnsafeBufferPointer<Int>,
    queries: UnsafeBufferPointer<T>, queryOffsets: UnsafeBufferPointer<Int>, into out: UnsafeMutableBufferPointer<T>,
    options: CalibrationOptions, scratch: UnsafeMutableBufferPointer<T>, histogram: UnsafeMutablePointer<Int32>
  ) throws(InfAlignError) {
    let m = referenceOffsets[b + 1] - referenceOffsets[b], k = queryOffsets[b + 1] - queryOffsets[b]
    if m == 0 { throw .emptyReferences(prompt: b, count: 0) }
    let refs = references.baseAddress! + referenceOffsets[b]
    if let i = RowReductions.firstNonFinite(refs, m) {
      throw .nonFinite(field: "reference reward", prompt: b, index: i, value: Double(refs[i]))
    }
    guard k > 0 else { return }
    let q = queries.baseAddress! + queryOffsets[b], o = out.baseAddress! + queryOffsets[b]
    if useDirect(k, options) {
      if let j = RowReductions.firstNonFinite(q, k) {
        throw .nonFinite(field: "reward", prompt: b, index: j, value: Double(q[j]))
      }
      // Counts into `out` first (it may alias `queries`: the kernel reads every query of a block before writing).
      MidRank.countsUnsorted(refs, m, queries: q, k, into: o)
      let scale = MidRankScale<T>(options, references: m)
      for j in 0..<k { o[j] = scale(o[j]) }
    } else {
      let row = scratch.baseAddress!
      try RowCalibrator.sortRow(refs, m, into: row, scratch: row + m, histogram: histogram, prompt: b)
      try RowCalibrator.calibrateSorted(UnsafePointer(row), m, prompt: b, q, o, k, options)
    }
  }

  /// The buffer form of ``calibrate(references:referenceColumns:queries:queryColumns:rows:into:options:threads:)``
  /// (`out` may alias `queries`).
  @inlinable
  package static func calibrate<T: BLASScalar>(
    references: UnsafeBufferPointer<T>, referenceColumns: Int, queries: UnsafeBufferPointer<T>, queryColumns: Int,
    rows: Int, into out: UnsafeMutableBufferPointer<T>, options: CalibrationOptions = .init(), threads: Int? = nil
  ) throws(InfAlignError) {
    if references.count != rows * referenceColumns {
      throw .shapeMismatch("\(references.count) reference rewards do not fill \(rows) prompts × \(referenceColumns)")
    }
    if queries.count != rows * queryColumns {
      throw .shapeMismatch("\(queries.count) queries do not fill \(rows) prompts × \(queryColumns)")
    }
    let referenceOffsets = (0...rows).map { $0 * referenceColumns }, queryOffsets = (0...rows).map { $0 * queryColumns }
    try referenceOffsets.withUnsafeBufferPointer { (ro) throws(InfAlignError) in
      try queryOffsets.withUnsafeBufferPointer { (qo) throws(InfAlignError) in
        try calibrate(references: references, referenceOffsets: ro, queries: queries, queryOffsets: qo, into: out,
                      options: options, threads: threads)
      }
    }
  }

  /// A `B × K` matrix of queries against a `B × M` matrix of references.
  @inlinable
  public static func calibrate<T: BLASScalar>(
    references: Matrix<T>, queries: Matrix<T>, options: CalibrationOptions = .init(), threads: Int? = nil
  ) throws(InfAlignError) -> Matrix<T> {
    if queries.rows != references.rows {
      throw .shapeMismatch("queries have \(queries.rows) prompts (rows), the references \(references.rows)")
    }
    var out = Matrix<T>(rows: queries.rows, columns: queries.columns)
    try references.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try queries.withUnsafeBufferPointer { (q) throws(InfAlignError) in
        try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
          try calibrate(references: r, referenceColumns: references.columns, queries: q, queryColumns: queries.columns,
                        rows: queries.rows, into: o, options: options, threads: threads)
        }
      }
    }
    return out
  }

  /// One array of references and one of queries per prompt.
  @inlinable
  public static func calibrate<T: BLASScalar>(
    references: [[T]], queries: [[T]], options: CalibrationOptions = .init(), threads: Int? = nil
  ) throws(InfAlignError) -> [[T]] {
    if queries.count != references.count {
      throw .shapeMismatch("queries cover \(queries.count) prompts, the references \(references.count)")
    }
    let flatR = references.flatMap { $0 }, flatQ = queries.flatMap { $0 }
    var ro = [0], qo = [0]
    ro.reserveCapacity(references.count + 1)
    qo.reserveCapacity(references.count + 1)
    for b in references.indices {
      ro.append(ro[b] + references[b].count)
      qo.append(qo[b] + queries[b].count)
    }
    var out = [T](repeating: 0, count: flatQ.count)
    try flatR.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try flatQ.withUnsafeBufferPointer { (q) throws(InfAlignError) in
        try ro.withUnsafeBufferPointer { (rob) throws(InfAlignError) in
          try qo.withUnsafeBufferPointer { (qob) throws(InfAlignError) in
            try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
              try calibrate(references: r, referenceOffsets: rob, queries: q, queryOffsets: qob, into: o, options: options,
                            threads: threads)
            }
          }
        }
      }
    }
    return queries.indices.map { Array(out[qo[$0]..<qo[$0 + 1]]) }
  }

  @inlinable
  static func useDirect(_ k: Int, _ options: CalibrationOptions) -> Bool {
    !options.leaveOneOut && RowCalibrator.countsDirectly(queries: k)
  }
}
