/// Sorting every row of a row-major matrix, or of a ragged batch, with a radix sort (`RadixSort`).
///
/// One scratch buffer (the longest row) and one radix histogram are allocated per call, never per row.
public enum RowSort {
  /// Sorts each of the `rows` rows of `buffer` (row-major, `columns` wide) ascending, in place.
  ///
  /// - Throws: ``MathError/nonFinite(row:column:value:)`` for the first NaN (rows before it are sorted, the
  ///   offending row is unchanged).
  /// - Complexity: O(rows × columns × passes).
  @inlinable
  public static func sortRows<T: BLASScalar>(
    _ buffer: UnsafeMutableBufferPointer<T>, rows: Int, columns: Int
  ) throws(MathError) {
    precondition(rows >= 0 && columns >= 0 && buffer.count == rows * columns,
                 "buffer has \(buffer.count) elements, expected \(rows)×\(columns)")
    guard rows > 0, columns > 1, let base = buffer.baseAddress else { return }
    let scratch = UnsafeMutableBufferPointer<T>.allocate(capacity: columns)
    let histogram = UnsafeMutablePointer<Int32>.allocate(capacity: RadixSort.histogramCapacity(T.self))
    defer {
      scratch.deallocate()
      histogram.deallocate()
    }
    for i in 0..<rows {
      try RadixSort.sort(
        UnsafeMutableBufferPointer(start: base + i * columns, count: columns), scratch: scratch, histogram: histogram,
        row: i)
    }
  }

  /// Sorts each ragged row `buffer[offsets[i] ..< offsets[i + 1]]` ascending, in place.
  ///
  /// - Precondition: `offsets` is non-decreasing, starts at 0 and ends at `buffer.count` (validate user data
  ///   before calling).
  /// - Throws: ``MathError/nonFinite(row:column:value:)`` with the column counted within the row.
  @inlinable
  public static func sortRows<T: BLASScalar>(
    _ buffer: UnsafeMutableBufferPointer<T>, offsets: UnsafeBufferPointer<Int>
  ) throws(MathError) {
    checkOffsets(offsets, total: buffer.count)
    let rows = offsets.count - 1
    guard rows > 0, let base = buffer.baseAddress else { return }
    var longest = 0
    for i in 0..<rows { longest = Swift.max(longest, offsets[i + 1] - offsets[i]) }
    let scratch = UnsafeMutableBufferPointer<T>.allocate(capacity: Swift.max(longest, 1))
    let histogram = UnsafeMutablePointer<Int32>.allocate(capacity: RadixSort.histogramCapacity(T.self))
    defer {
      scratch.deallocate()
      histogram.deallocate()
    }
    for i in 0..<rows {
      let row = UnsafeMutableBufferPointer(start: base + offsets[i], count: offsets[i + 1] - offsets[i])
      try RadixSort.sort(row, scratch: scratch, histogram: histogram, row: i)
    }
  }

  /// Sorts each row of `m` ascending.
  @inlinable
  public static func sortRows<T: BLASScalar>(_ m: inout Matrix<T>) throws(MathError) {
    let (rows, columns) = (m.rows, m.columns)
    try m.withUnsafeMutableBufferPointer { (buf) throws(MathError) in try sortRows(buf, rows: rows, columns: columns) }
  }

  @inlinable
  static func checkOffsets(_ offsets: UnsafeBufferPointer<Int>, total: Int) {
    precondition(offsets.count >= 1, "offsets must hold rows + 1 entries")
    precondition(offsets[0] == 0 && offsets[offsets.count - 1] == total,
                 "offsets must start at 0 and end at the buffer length \(total)")
    for i in 1..<offsets.count {
      precondition(offsets[i] >= offsets[i - 1], "offsets must be non-decreasing (at row \(i - 1))")
    }
  }
}
