/// Mid-rank counts `#{j : a_j < q} + ½·#{j : a_j = q}` of queries against sorted rows: the numerator of the
/// calibrated reward (MATH.md §2) before division by the number of references.
///
/// Rows must be sorted ascending with no NaN. Dense and ragged layouts; results are exact (half-integers are
/// representable in both `Float` up to 2²³ and `Double`).
public enum MidRank {
  /// Mid-rank count of `q` in the sorted run `a[0..<n]`.
  ///
  /// - Complexity: O(log n), two binary searches (the second only when `q` occurs).
  @inlinable @inline(__always)
  package static func count<T: BLASScalar>(_ a: UnsafePointer<T>, _ n: Int, _ q: T) -> T {
    count(a, n, q, lower: RowSearch.lowerBound(a, n, q)).count
  }

  /// Mid-rank count of `q` in the sorted run `a[0..<n]` given its lower bound `#{j : a_j < q}`, and the number of
  /// references equal to `q`.
  /// - Complexity: O(log n) when `q` occurs (one binary search over the rest), else O(1).
  @inlinable @inline(__always)
  package static func count<T: BLASScalar>(
    _ a: UnsafePointer<T>, _ n: Int, _ q: T, lower: Int
  ) -> (count: T, ties: Int) {
    // The ties start at `lower`: search only the rest (discrete rewards can tie hundreds of references).
    let ties = lower < n && !(q < a[lower]) ? RowSearch.upperBound(a + lower, n - lower, q) : 0
    return (T(lower) + T(ties) / 2, ties)
  }

  /// Dense: sorted `rows × sortedColumns`, queries `rows × queryColumns`, counts into `out`
  /// (`rows × queryColumns`).
  ///
  /// - Complexity: O(rows × queryColumns × log sortedColumns).
  @inlinable
  public static func counts<T: BLASScalar>(
    sorted: UnsafeBufferPointer<T>, rows: Int, sortedColumns: Int,
    queries: UnsafeBufferPointer<T>, queryColumns: Int, into out: UnsafeMutableBufferPointer<T>
  ) {
    precondition(sorted.count == rows * sortedColumns, "sorted has \(sorted.count) elements, expected \(rows)×\(sortedColumns)")
    precondition(queries.count == rows * queryColumns, "queries has \(queries.count) elements, expected \(rows)×\(queryColumns)")
    precondition(out.count == rows * queryColumns, "output has \(out.count) elements, expected \(rows)×\(queryColumns)")
    guard rows > 0, queryColumns > 0, let q = queries.baseAddress, let o = out.baseAddress else { return }
    guard let a = sorted.baseAddress else {
      o.update(repeating: 0, count: out.count)
      return
    }
    for i in 0..<rows {
      let row = a + i * sortedColumns
      for j in 0..<queryColumns { o[i * queryColumns + j] = count(row, sortedColumns, q[i * queryColumns + j]) }
    }
  }

  /// Ragged: row `i` of the sorted references is `sorted[sortedOffsets[i] ..< sortedOffsets[i+1]]`, its queries
  /// `queries[queryOffsets[i] ..< queryOffsets[i+1]]`; counts are written at the queries' positions in `out`.
  @inlinable
  public static func counts<T: BLASScalar>(
    sorted: UnsafeBufferPointer<T>, sortedOffsets: UnsafeBufferPointer<Int>,
    queries: UnsafeBufferPointer<T>, queryOffsets: UnsafeBufferPointer<Int>, into out: UnsafeMutableBufferPointer<T>
  ) {
    RowSort.checkOffsets(sortedOffsets, total: sorted.count)
    RowSort.checkOffsets(queryOffsets, total: queries.count)
    precondition(sortedOffsets.count == queryOffsets.count, "sorted and query offsets describe different row counts")
    precondition(out.count == queries.count, "output has \(out.count) elements, expected \(queries.count)")
    guard let q = queries.baseAddress, let o = out.baseAddress else { return }
    for i in 0..<(sortedOffsets.count - 1) {
      let m = sortedOffsets[i + 1] - sortedOffsets[i]
      for j in queryOffsets[i]..<queryOffsets[i + 1] {
        o[j] = m == 0 ? 0 : count(sorted.baseAddress! + sortedOffsets[i], m, q[j])
      }
    }
  }

  /// Mid-rank counts of `queries` (`rows × K`) against the sorted rows of `sorted` (`rows × M`).
  @inlinable
  public static func counts<T: BLASScalar>(sorted: Matrix<T>, queries: Matrix<T>) -> Matrix<T> {
    precondition(sorted.rows == queries.rows, "sorted has \(sorted.rows) rows, queries \(queries.rows)")
    var out = Matrix<T>(rows: queries.rows, columns: queries.columns)
    sorted.withUnsafeBufferPointer { s in
      queries.withUnsafeBufferPointer { q in
        out.withUnsafeMutableBufferPointer { o in
          counts(sorted: s, rows: sorted.rows, sortedColumns: sorted.columns, queries: q,
                 queryColumns: queries.columns, into: o)
        }
      }
    }
    return out
  }
}
