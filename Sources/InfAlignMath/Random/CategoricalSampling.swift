import RealModule

/// Batched sampling from categorical distributions given as rows of logits (one row = one prompt's candidates).
///
/// Each draw uses the inverse CDF of the max-shifted softmax (one uniform per draw, one `exp` per logit per row),
/// so −∞ logits are never drawn.
@usableFromInline package enum CategoricalSampling {
  /// Draws `samplesPerRow` indices from `softmax(row)` for each of the `rows` rows of `logits`, writing
  /// `rows × samplesPerRow` column indices into `out`.
  ///
  /// - Throws: ``MathError/zeroMass(row:)`` for an all −∞ row; ``MathError/nonFinite(row:column:value:)`` for
  ///   NaN or +∞ logits.
  /// - Complexity: O(rows × (columns + samplesPerRow × log columns)); one scratch row allocated per call.
  @inlinable
  package static func sample<T: BLASScalar, G: RandomNumberGenerator>(
    logits: UnsafeBufferPointer<T>, rows: Int, columns: Int, samplesPerRow: Int = 1,
    into out: UnsafeMutableBufferPointer<Int>, using g: inout G
  ) throws(MathError) {
    precondition(logits.count == rows * columns, "logits have \(logits.count) elements, expected \(rows)×\(columns)")
    precondition(out.count == rows * samplesPerRow, "output has \(out.count) slots, expected \(rows)×\(samplesPerRow)")
    guard rows > 0 else { return }
    guard columns > 0, let base = logits.baseAddress else { throw .zeroMass(row: 0) }
    let cumulative = UnsafeMutableBufferPointer<T>.allocate(capacity: columns)
    defer { cumulative.deallocate() }
    for i in 0..<rows {
      let row = base + i * columns
      var m = -T.infinity
      for j in 0..<columns {
        let v = row[j]
        if v.isNaN || v == .infinity { throw .nonFinite(row: i, column: j, value: Double(v)) }
        if v > m { m = v }
      }
      if m == -.infinity { throw .zeroMass(row: i) }
      var total: T = 0
      for j in 0..<columns {
        total += T.exp(row[j] - m)
        cumulative[j] = total
      }
      for s in 0..<samplesPerRow {
        let target: T = Random.uniform(using: &g) * total
        // First index whose cumulative mass exceeds the target; zero-mass entries (equal cumulative) are skipped.
        var j = RowSearch.upperBound(UnsafePointer(cumulative.baseAddress!), columns, target)
        if j >= columns { j = columns - 1 }
        while row[j] == -.infinity && j > 0 { j -= 1 }  // rounding at the very top: step back to mass
        out[i * samplesPerRow + s] = j
      }
    }
  }

  /// One draw per row of `logits`.
  @inlinable
  package static func sample<T: BLASScalar, G: RandomNumberGenerator>(
    logits: Matrix<T>, samplesPerRow: Int = 1, using g: inout G
  ) throws(MathError) -> [Int] {
    var out = [Int](repeating: 0, count: logits.rows * samplesPerRow)
    try logits.withUnsafeBufferPointer { (x) throws(MathError) in
      try out.withUnsafeMutableBufferPointer { (o) throws(MathError) in
        try sample(logits: x, rows: logits.rows, columns: logits.columns, samplesPerRow: samplesPerRow, into: o,
                   using: &g)
      }
    }
    return out
  }
}
