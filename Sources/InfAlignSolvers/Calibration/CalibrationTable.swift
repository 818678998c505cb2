/// Reference rewards for a batch of prompts, sorted once, against which query rewards are calibrated:
/// `Ĉ(y) = (#{j: r(z_j) < r(y)} + ½·#{j: r(z_j) = r(y)}) / M` (mid-rank ties), a number in [0, 1].
///
/// Build a table once per batch of reference samples (one radix sort per prompt); each later calibration costs
/// only binary searches, O(log M) per query. Dense (`B × M`) and ragged (per-prompt counts) layouts.
///
/// ```swift
/// let table = try CalibrationTable(references: referenceRewards)     // B × M
/// let u = try table.calibrate(policyRewards)                          // B × K, in [0, 1]
/// ```
///
/// Calibration is invariant under any strictly increasing map applied to all rewards, so aligned policies do not
/// depend on the reward model's scale.
public struct CalibrationTable<T: BLASScalar>: Sendable {
  /// Number of prompts.
  public let promptCount: Int
  /// Every prompt's references, sorted ascending, prompt after prompt.
  @usableFromInline let sorted: [T]
  /// `offsets[b] ..< offsets[b + 1]` is prompt `b`'s range in ``sorted``.
  @usableFromInline let offsets: [Int]

  /// A table from ragged references: prompt `b` owns the next `counts[b]` values of `references`.
  ///
  /// - Throws: ``InfAlignError/nonFinite(field:prompt:index:value:)`` for a NaN/±∞ reward (index within its
  ///   prompt); ``InfAlignError/emptyReferences(prompt:count:)`` for a prompt with no references;
  ///   ``InfAlignError/shapeMismatch(_:)`` when the counts do not add up to the number of rewards.
  /// - Complexity: O(total × radix passes), one scratch allocation.
  @inlinable
  public init(references: Span<T>, counts: Span<Int>) throws(InfAlignError) {
    try self = references.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try counts.withUnsafeBufferPointer { (c) throws(InfAlignError) in try CalibrationTable(references: r, counts: c) }
    }
  }

  /// A table from dense references: `rows` prompts with `columns` references each, row-major.
  ///
  /// - Throws: as ``init(references:counts:)``; `columns == 0` is an empty reference set for prompt 0.
  @inlinable
  public init(references: Span<T>, rows: Int, columns: Int) throws(InfAlignError) {
    try self = references.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try CalibrationTable(references: r, rows: rows, columns: columns)
    }
  }

  /// The buffer form of ``init(references:counts:)``, for this package's modules (the C ABI): the caller keeps the
  /// memory valid.
  @inlinable
  package init(references: UnsafeBufferPointer<T>, counts: UnsafeBufferPointer<Int>) throws(InfAlignError) {
    var offsets = [Int](repeating: 0, count: counts.count + 1)
    for b in 0..<counts.count {
      if counts[b] < 0 { throw .shapeMismatch("prompt \(b) has a negative reference count \(counts[b])") }
      if counts[b] == 0 { throw .emptyReferences(prompt: b, count: 0) }
      offsets[b + 1] = offsets[b] + counts[b]
    }
    if offsets[counts.count] != references.count {
      throw .shapeMismatch(
        "reference counts add up to \(offsets[counts.count]) but \(references.count) reference rewards were given")
    }
    try self.init(validating: references, offsets: offsets)
  }

  /// The buffer form of ``init(references:rows:columns:)``, for this package's modules (the C ABI).
  @inlinable
  package init(references: UnsafeBufferPointer<T>, rows: Int, columns: Int) throws(InfAlignError) {
    if references.count != rows * columns {
      throw .shapeMismatch("\(references.count) reference rewards do not fill \(rows) prompts × \(columns)")
    }
    if columns == 0 && rows > 0 { throw .emptyReferences(prompt: 0, count: 0) }
    try self.init(validating: references, offsets: (0...rows).map { $0 * columns })
  }

  /// A table from a `B × M` matrix of references (row = prompt).
  @inlinable
  public init(references: Matrix<T>) throws(InfAlignError) {
    try self = references.withUnsafeBufferPointer { (buf) throws(InfAlignError) in
      try CalibrationTable(references: buf, rows: references.rows, columns: references.columns)
    }
  }

  /// A table from one array of references per prompt.
  @inlinable
  public init(references: [[T]]) throws(InfAlignError) {
    let flat = references.flatMap { $0 }
    let counts = references.map(\.count)
    try self = flat.withUnsafeBufferPointer { (buf) throws(InfAlignError) in
      try counts.withUnsafeBufferPointer { (c) throws(InfAlignError) in try CalibrationTable(references: buf, counts: c) }
    }
  }

  @inlinable
  init(validating references: UnsafeBufferPointer<T>, offsets: [Int]) throws(InfAlignError) {
    let rows = offsets.count - 1
    for b in 0..<rows {
      if let j = RowReductions.firstNonFinite(references.baseAddress! + offsets[b], offsets[b + 1] - offsets[b]) {
        throw .nonFinite(field: "reference reward", prompt: b, index: j, value: Double(references[offsets[b] + j]))
      }
    }
    var sorted = Array(references)
    do {
      try sorted.withUnsafeMutableBufferPointer { (buf) throws(MathError) in
        try offsets.withUnsafeBufferPointer { (o) throws(MathError) in try RowSort.sortRows(buf, offsets: o) }
      }
    } catch {
      throw .math(error)  // unreachable: NaN was rejected above
    }
    self.promptCount = rows
    self.sorted = sorted
    self.offsets = offsets
  }

  /// Number of references of prompt `b`.
  @inlinable public func referenceCount(prompt b: Int) -> Int {
    precondition(b >= 0 && b < promptCount, "prompt \(b) out of range 0..<\(promptCount)")
    return offsets[b + 1] - offsets[b]
  }

  /// Prompt `b`'s references, sorted ascending.
  @inlinable
  public func sortedReferences(prompt b: Int) -> ArraySlice<T> {
    precondition(b >= 0 && b < promptCount, "prompt \(b) out of range 0..<\(promptCount)")
    return sorted[offsets[b]..<offsets[b + 1]]
  }

  // MARK: Calibration

  /// Calibrates ragged queries: prompt `b`'s queries are `queries[queryOffsets[b] ..< queryOffsets[b + 1]]`;
  /// results go to the same positions of `out`, which holds as many values as `queries`.
  ///
  /// - Throws: ``InfAlignError/nonFinite(field:prompt:index:value:)`` for a NaN/±∞ query;
  ///   ``InfAlignError/shapeMismatch(_:)`` when `out` and `queries` differ in length or the offsets do not
  ///   describe `promptCount` prompts over the queries; with leave-one-out,
  ///   ``InfAlignError/emptyReferences(prompt:count:)`` for a prompt with a single reference and
  ///   ``InfAlignError/shapeMismatch(_:)`` when a query is not one of its prompt's references.
  /// - Parameters:
  ///   - queries: every prompt's rewards to calibrate, prompt after prompt.
  ///   - queryOffsets: `promptCount + 1` nondecreasing offsets into `queries`, from 0 to `queries.count`.
  ///   - out: receives the calibrated rewards, `queries.count` of them.
  ///   - options: leave-one-out and smoothing (``CalibrationOptions``).
  ///   - threads: threads to split the prompts over (`nil`: `Threads.count`); results are bit-identical for
  ///     every count, and the error thrown is the first in prompt order.
  /// - Complexity: O(queries × log M), divided among the threads; no allocation.
  @inlinable
  public func calibrate(
    queries: Span<T>, queryOffsets: Span<Int>, into out: inout MutableSpan<T>, options: CalibrationOptions = .init(),
    threads: Int? = nil
  ) throws(InfAlignError) {
    try Self.checkOutput(out.count, queries: queries.count)
    try queries.withUnsafeBufferPointer { (q) throws(InfAlignError) in
      try queryOffsets.withUnsafeBufferPointer { (qo) throws(InfAlignError) in
        try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
          try calibrate(queries: q, queryOffsets: qo, into: o, options: options, threads: threads)
        }
      }
    }
  }

  /// Calibrates dense queries: `promptCount × columns`, row-major, into `out` (as many values as `queries`).
  ///
  /// - Throws: as ``calibrate(queries:queryOffsets:into:options:threads:)``.
  @inlinable
  public func calibrate(
    queries: Span<T>, columns: Int, into out: inout MutableSpan<T>, options: CalibrationOptions = .init(),
    threads: Int? = nil
  ) throws(InfAlignError) {
    try Self.checkOutput(out.count, queries: queries.count)
    try queries.withUnsafeBufferPointer { (q) throws(InfAlignError) in
      try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
        try calibrate(queries: q, columns: columns, into: o, options: options, threads: threads)
      }
    }
  }

  /// An output of another length than the queries: a typed error in the safe forms (the buffer forms check it
  /// with a precondition, a programmer error of this package's own callers).
  @inlinable
  static func checkOutput(_ outCount: Int, queries: Int) throws(InfAlignError) {
    if outCount != queries { throw .shapeMismatch("the output has \(outCount) values for \(queries) queries") }
  }

  /// The buffer form of ``calibrate(queries:queryOffsets:into:options:threads:)``, for this package's modules
  /// (the C ABI, the command line): `out` may be the same memory as `queries`; the caller keeps both valid.
  @inlinable
  package func calibrate(
    queries: UnsafeBufferPointer<T>, queryOffsets: UnsafeBufferPointer<Int>, into out: UnsafeMutableBufferPointer<T>,
    options: CalibrationOptions = .init(), threads: Int? = nil
  ) throws(InfAlignError) {
    precondition(out.count == queries.count, "output has \(out.count) slots for \(queries.count) queries")
    if queryOffsets.count != promptCount + 1 || queryOffsets.first != 0 || queryOffsets.last != queries.count {
      throw .shapeMismatch(
        "query offsets describe \(queryOffsets.count - 1) prompts over \(queryOffsets.last ?? 0) values; "
          + "the table has \(promptCount) prompts and \(queries.count) queries were given")
    }
    for b in 0..<promptCount where queryOffsets[b + 1] < queryOffsets[b] {
      throw .shapeMismatch("query offsets decrease at prompt \(b)")
    }
    try calibrateSpans(queries: queries, into: out, options: options, threads: threads) {
      (queryOffsets[$0], queryOffsets[$0 + 1] - queryOffsets[$0])
    }
  }

  /// The buffer form of ``calibrate(queries:columns:into:options:threads:)`` (`out` may alias `queries`).
  @inlinable
  package func calibrate(
    queries: UnsafeBufferPointer<T>, columns: Int, into out: UnsafeMutableBufferPointer<T>,
    options: CalibrationOptions = .init(), threads: Int? = nil
  ) throws(InfAlignError) {
    precondition(out.count == queries.count, "output has \(out.count) slots for \(queries.count) queries")
    if queries.count != promptCount * columns {
      throw .shapeMismatch("\(queries.count) queries do not fill \(promptCount) prompts × \(columns)")
    }
    try calibrateSpans(queries: queries, into: out, options: options, threads: threads) { ($0 * columns, columns) }
  }

  /// The threaded driver of the dense and ragged forms: prompt `b`'s queries are `queries[start ..< start + count]`
  /// for `(start, count) = span(b)`, calibrated into the same positions of `out`. Prompts are split into blocks
  /// over `threads` threads; the error thrown is the first in prompt order.
  @inlinable
  func calibrateSpans(
    queries: UnsafeBufferPointer<T>, into out: UnsafeMutableBufferPointer<T>, options: CalibrationOptions,
    threads: Int?, _ span: (_ prompt: Int) -> (start: Int, count: Int)
  ) throws(InfAlignError) {
    try sorted.withUnsafeBufferPointer { (refs) throws(InfAlignError) in
      try ParallelRows.forEach(
        rows: promptCount, threads: threads, minimumRows: Self.minimumRows(prompts: promptCount, queries: queries.count)
      ) { (block, _) throws(InfAlignError) in
        for b in block {
          let (start, count) = span(b)
          try calibrateRun(
            refs, prompt: b, queries.baseAddress.map { $0 + start }, out.baseAddress.map { $0 + start }, count, options)
        }
      }
    }
  }

  /// Prompts per thread block: at least ~2K queries (a binary search each, tens of nanoseconds), enough to
  /// outweigh waking a thread.
  @inlinable
  static func minimumRows(prompts: Int, queries: Int) -> Int {
    Swift.max(1, 2048 * Swift.max(1, prompts) / Swift.max(1, queries))
  }

  /// Calibrates a `promptCount × K` matrix of query rewards.
  @inlinable
  public func calibrate(
    _ queries: Matrix<T>, options: CalibrationOptions = .init(), threads: Int? = nil
  ) throws(InfAlignError) -> Matrix<T> {
    if queries.rows != promptCount {
      throw .shapeMismatch("queries have \(queries.rows) prompts (rows), the table has \(promptCount)")
    }
    var out = queries
    try out.withUnsafeMutableBufferPointer { (buf) throws(InfAlignError) in
      try calibrate(queries: UnsafeBufferPointer(buf), columns: queries.columns, into: buf, options: options,
                    threads: threads)
    }
    return out
  }

  /// Calibrates one array of query rewards per prompt.
  @inlinable
  public func calibrate(_ queries: [[T]], options: CalibrationOptions = .init()) throws(InfAlignError) -> [[T]] {
    if queries.count != promptCount {
      throw .shapeMismatch("queries cover \(queries.count) prompts, the table has \(promptCount)")
    }
    var out: [[T]] = []
    out.reserveCapacity(promptCount)
    try sorted.withUnsafeBufferPointer { (refs) throws(InfAlignError) in
      for b in 0..<promptCount {
        var row = queries[b]
        try row.withUnsafeMutableBufferPointer { (buf) throws(InfAlignError) in
          try calibrateRun(refs, prompt: b, UnsafePointer(buf.baseAddress), buf.baseAddress, buf.count, options)
        }
        out.append(row)
      }
    }
    return out
  }

  /// The calibrated value of a single query for prompt `b`.
  @inlinable
  public func calibrate(prompt b: Int, query: T, options: CalibrationOptions = .init()) throws(InfAlignError) -> T {
    precondition(b >= 0 && b < promptCount, "prompt \(b) out of range 0..<\(promptCount)")
    var q = query
    try sorted.withUnsafeBufferPointer { (refs) throws(InfAlignError) in
      try withUnsafeMutablePointer(to: &q) { (p) throws(InfAlignError) in
        try calibrateRun(refs, prompt: b, UnsafePointer(p), p, 1, options)
      }
    }
    return q
  }

  /// Calibrates `k` queries of prompt `b` against its sorted references (`refs` is all of ``sorted``).
  @inlinable
  func calibrateRun(
    _ refs: UnsafeBufferPointer<T>, prompt b: Int, _ queries: UnsafePointer<T>?,
    _ out: UnsafeMutablePointer<T>?, _ k: Int, _ options: CalibrationOptions
  ) throws(InfAlignError) {
    try RowCalibrator.calibrateSorted(
      refs.baseAddress! + offsets[b], offsets[b + 1] - offsets[b], prompt: b, queries, out, k, options)
  }
}
