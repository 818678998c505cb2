import InfAlignMath

extension RowCalibrator {
  /// Calibrates `k` queries of one prompt against its `m` sorted references, scaled by `options` (the table's path
  /// and the one-shot sorting path): eight queries searched at a time, and under leave-one-out the check that each
  /// query is one of the references.
  /// - Throws: ``InfAlignError/nonFinite(field:prompt:index:value:)`` for a NaN/±∞ query;
  ///   ``InfAlignError/emptyReferences(prompt:count:)`` for fewer than two references under leave-one-out;
  ///   ``InfAlignError/shapeMismatch(_:)`` for a leave-one-out query that is not a reference.
  /// - Complexity: O(k·log m), no allocation.
  @inlinable
  package static func calibrateSorted<T: BLASScalar>(
    _ refs: UnsafePointer<T>, _ m: Int, prompt: Int, _ queries: UnsafePointer<T>?,
    _ out: UnsafeMutablePointer<T>?, _ k: Int, _ options: CalibrationOptions
  ) throws(InfAlignError) {
    guard k > 0, let queries, let out else { return }
    let loo = options.leaveOneOut
    if loo && m < 2 { throw .emptyReferences(prompt: prompt, count: m) }
    let scale = MidRankScale<T>(options, references: m)
    /// Query `j` (finite) from its lower bound; read before `out[j]` is written (they may be the same memory).
    func finish(_ j: Int, lower: Int) throws(InfAlignError) {
      let q = queries[j]
      let (count, ties) = MidRank.count(refs, m, q, lower: lower)
      if loo && ties == 0 {
        throw .shapeMismatch(
          "leave-one-out: query \(j) of prompt \(prompt) (value \(q)) is not one of that prompt's references")
      }
      out[j] = scale(count)
    }
    // Eight finite queries at a time search together (their loads overlap); the rest, and any run of eight with a
    // non-finite value, one by one. Queries are finished in order, so the first error is the one-by-one loop's.
    var j = 0
    while j < k {
      if j + 8 <= k, m > 0, (0..<8).allSatisfy({ queries[j + $0].isFinite }) {
        let lower = RowSearch.lowerBounds8(refs, m, queries + j)
        for i in 0..<8 { try finish(j + i, lower: lower[i]) }
        j += 8
        continue
      }
      let q = queries[j]
      if !q.isFinite { throw .nonFinite(field: "reward", prompt: prompt, index: j, value: Double(q)) }
      try finish(j, lower: RowSearch.lowerBound(refs, m, q))
      j += 1
    }
  }
}
