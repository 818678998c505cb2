import InfAlignMath

/// The per-row calibrator: mid-rank counts `#{r < q} + ½·#{r = q}` of one row's queries among its references, by
/// the cheaper exact method. One implementation of the count-versus-sort choice, shared by ``CalibrationTable``
/// (rows sorted once, then searched), ``OneShotCalibration`` (each prompt's references used once) and the CTRL
/// step's group calibration (each group against itself).
///
/// - Few queries (`k ≤` ``directQueryLimit``): a direct SIMD count of each query against the unsorted references
///   (``MidRank/countsUnsorted(_:_:queries:_:into:isa:)``), O(k·M) compares and no sort.
/// - Otherwise: a radix sort of the references (``sortRow(_:_:into:scratch:histogram:prompt:)``), then binary
///   searches, O(M·passes + k·log M).
///
/// Both give the same bits (the counts are exact integers, halved). References and queries must be finite (the
/// callers check, naming the prompt and sample).
@usableFromInline
package enum RowCalibrator {
  /// Queries per row up to which counting beats sorting. A radix sort costs 10–30 ns per reference and a direct
  /// compare ~0.1–0.2 ns per (query, reference) pair, so the crossover is near 100 queries; 64 keeps a margin.
  @usableFromInline package static let directQueryLimit = 64

  /// Whether `k` queries against one row are counted directly (no sort).
  @inlinable
  package static func countsDirectly(queries k: Int) -> Bool { k <= directQueryLimit }

  /// Copies `m` finite references into `row` and sorts them ascending (radix sort, `scratch` of `m` more values,
  /// `histogram` of ``RadixSort/histogramCapacity(_:)``).
  /// - Complexity: O(m × radix passes), no allocation.
  @inlinable
  package static func sortRow<T: BLASScalar>(
    _ references: UnsafePointer<T>, _ m: Int, into row: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>,
    histogram: UnsafeMutablePointer<Int32>, prompt: Int
  ) throws(InfAlignError) {
    row.update(from: references, count: m)
    do {
      try RadixSort.sort(
        UnsafeMutableBufferPointer(start: row, count: m), scratch: UnsafeMutableBufferPointer(start: scratch, count: m),
        histogram: histogram, row: prompt)
    } catch {
      throw .math(error)  // unreachable: the callers reject or mask non-finite references first
    }
  }

  /// Mid-rank counts of `k` finite queries against `m` finite, unsorted references, into `out` (which may be the
  /// same memory as `queries`), by the cheaper method; `row` and `scratch` hold `m` values each (used only when
  /// sorting).
  /// - Complexity: O(min(k·m, m·passes + k·log m)), no allocation.
  @inlinable
  package static func counts<T: BLASScalar>(
    _ references: UnsafePointer<T>, _ m: Int, queries: UnsafePointer<T>, _ k: Int, into out: UnsafeMutablePointer<T>,
    row: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>, histogram: UnsafeMutablePointer<Int32>,
    prompt: Int
  ) throws(InfAlignError) {
    if countsDirectly(queries: k) {
      MidRank.countsUnsorted(references, m, queries: queries, k, into: out)
      return
    }
    try sortRow(references, m, into: row, scratch: scratch, histogram: histogram, prompt: prompt)
    for j in 0..<k { out[j] = MidRank.count(UnsafePointer(row), m, queries[j]) }
  }
}
