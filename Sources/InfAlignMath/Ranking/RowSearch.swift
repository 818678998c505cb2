/// Batched binary searches of many queries per row against sorted rows.
///
/// `lowerBound` gives `#{j : a_j < q}`, `upperBound` gives `#{j : a_j ≤ q}`; their difference counts the ties.
/// Rows must be sorted ascending (``RowSort``) and hold no NaN; a NaN query compares false with everything and
/// gets 0 from both (callers validate queries). −0 and +0 are equal here.
@usableFromInline package enum RowSearch {
  /// `#{j : a_j < q}` in the sorted run `a[0..<n]`.
  @inlinable @inline(__always)
  package static func lowerBound<T: Comparable>(_ a: UnsafePointer<T>, _ n: Int, _ q: T) -> Int {
    var first = 0, length = n
    while length > 0 {
      let half = length >> 1
      let goRight = a[first + half] < q
      first = goRight ? first + half + 1 : first
      length = goRight ? length - half - 1 : half
    }
    return first
  }

  /// `#{j : a_j < q_i}` for the eight queries `q[0..<8]` in the sorted run `a[0..<n]`: the same counts as
  /// ``lowerBound(_:_:_:)``. The eight searches step together (the probe distance halves alike whatever the
  /// queries), so their loads are in flight at once instead of each waiting for the one before: a search over a
  /// row that is not in L1 is bound by load latency, not instructions.
  /// - Complexity: O(log n) steps of eight branch-free probes.
  @inlinable @inline(__always)
  package static func lowerBounds8<T: Comparable>(_ a: UnsafePointer<T>, _ n: Int, _ q: UnsafePointer<T>) -> SIMD8<Int> {
    var first = SIMD8<Int>()
    guard n > 0 else { return first }
    var length = n
    while length > 1 {
      let half = length >> 1
      for i in 0..<8 {
        let b = first[i]
        first[i] = a[b &+ half] < q[i] ? b &+ half : b  // b + half < n: no overflow
      }
      length -= half
    }
    for i in 0..<8 where a[first[i]] < q[i] { first[i] += 1 }
    return first
  }

  /// `#{j : a_j ≤ q}` in the sorted run `a[0..<n]`.
  @inlinable @inline(__always)
  package static func upperBound<T: Comparable>(_ a: UnsafePointer<T>, _ n: Int, _ q: T) -> Int {
    var first = 0, length = n
    while length > 0 {
      let half = length >> 1
      let goRight = !(q < a[first + half])
      first = goRight ? first + half + 1 : first
      length = goRight ? length - half - 1 : half
    }
    return first
  }

  /// For sorted rows (`rows × sortedColumns`) and queries (`rows × queryColumns`), writes the lower bound of each
  /// query within its own row into `out` (`rows × queryColumns`).
  ///
  /// - Complexity: O(rows × queryColumns × log sortedColumns).
  @inlinable
  package static func lowerBounds<T: BLASScalar>(
    sorted: UnsafeBufferPointer<T>, rows: Int, sortedColumns: Int,
    queries: UnsafeBufferPointer<T>, queryColumns: Int, into out: UnsafeMutableBufferPointer<Int>
  ) {
    search(sorted, rows, sortedColumns, queries, queryColumns, out, upper: false)
  }

  /// Like ``lowerBounds(sorted:rows:sortedColumns:queries:queryColumns:into:)`` with upper bounds.
  @inlinable
  package static func upperBounds<T: BLASScalar>(
    sorted: UnsafeBufferPointer<T>, rows: Int, sortedColumns: Int,
    queries: UnsafeBufferPointer<T>, queryColumns: Int, into out: UnsafeMutableBufferPointer<Int>
  ) {
    search(sorted, rows, sortedColumns, queries, queryColumns, out, upper: true)
  }

  @inlinable
  static func search<T: BLASScalar>(
    _ sorted: UnsafeBufferPointer<T>, _ rows: Int, _ m: Int, _ queries: UnsafeBufferPointer<T>, _ k: Int,
    _ out: UnsafeMutableBufferPointer<Int>, upper: Bool
  ) {
    precondition(sorted.count == rows * m, "sorted has \(sorted.count) elements, expected \(rows)×\(m)")
    precondition(queries.count == rows * k, "queries has \(queries.count) elements, expected \(rows)×\(k)")
    precondition(out.count == rows * k, "output has \(out.count) elements, expected \(rows)×\(k)")
    guard rows > 0, k > 0, let q = queries.baseAddress else { return }
    guard let a = sorted.baseAddress else {
      for i in out.indices { out[i] = 0 }
      return
    }
    for i in 0..<rows {
      let row = a + i * m
      for j in 0..<k {
        let x = q[i * k + j]
        out[i * k + j] = upper ? upperBound(row, m, x) : lowerBound(row, m, x)
      }
    }
  }
}
