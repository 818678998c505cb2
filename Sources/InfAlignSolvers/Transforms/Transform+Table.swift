extension Transform {
  /// A piecewise-linear function on a strictly increasing grid in `[0, 1]`, extended by constants outside the grid:
  /// the representation of numerically found transforms.
  public struct Table: Sendable, Hashable {
    /// Grid points `u₀ < u₁ < … < u_{m−1}`, all in `[0, 1]`; at least two.
    public let grid: [Double]
    /// `Φ(uᵢ)`, all finite, one per grid point.
    public let values: [Double]
    /// Where the table came from (a file name), printed as `table:SOURCE`; `nil` prints `table(m points)`.
    public let source: String?

    /// Validates and stores a table.
    /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` naming the first offending entry: counts
    ///   that differ or are below 2, a grid point that is not finite or outside `[0, 1]` (`grid[i]`), a grid that
    ///   does not strictly increase (`grid[i]`), a value that is not finite (`values[i]`).
    public init(grid: [Double], values: [Double], source: String? = nil) throws(InfAlignError) {
      guard values.count == grid.count else {
        throw .invalidParameter(
          name: "values.count", value: Double(values.count), reason: "must equal the grid's \(grid.count) points")
      }
      guard grid.count >= 2 else {
        throw .invalidParameter(
          name: "grid.count", value: Double(grid.count), reason: "a table needs at least 2 points")
      }
      for (i, u) in grid.enumerated() {
        guard u >= 0, u <= 1 else { throw .invalidParameter(name: "grid[\(i)]", value: u, reason: "must be in [0, 1]") }
        if i > 0, !(u > grid[i - 1]) {
          throw .invalidParameter(
            name: "grid[\(i)]", value: u, reason: "the grid must strictly increase (grid[\(i - 1)] = \(grid[i - 1]))")
        }
      }
      for (i, v) in values.enumerated() where !v.isFinite {
        throw .invalidParameter(name: "values[\(i)]", value: v, reason: "must be finite")
      }
      self.grid = grid
      self.values = values
      self.source = source
    }

    /// Index `i` with `grid[i] ≤ u < grid[i+1]`, for `grid[0] ≤ u < grid[m−1]`.
    @inline(__always)
    func interval(_ u: Double) -> Int {
      var lo = 0, hi = grid.count - 1
      while hi - lo > 1 {
        let mid = (lo + hi) / 2
        if grid[mid] <= u { lo = mid } else { hi = mid }
      }
      return lo
    }

    /// The interpolated value at `u`: `values[0]` at or below `grid[0]`, `values[m−1]` at or above `grid[m−1]`,
    /// `vᵢ + w·(vᵢ₊₁ − vᵢ)` with `w = (u − uᵢ)/(uᵢ₊₁ − uᵢ)` in between (exact at grid points). NaN gives NaN.
    /// - Complexity: O(log m).
    public func value(_ u: Double) -> Double {
      if u.isNaN { return u }
      if u <= grid[0] { return values[0] }
      if u >= grid[grid.count - 1] { return values[values.count - 1] }
      let i = interval(u)
      let w = (u - grid[i]) / (grid[i + 1] - grid[i])
      return values[i] + w * (values[i + 1] - values[i])
    }

    /// The slope of the interval `[uᵢ, uᵢ₊₁)` containing `u` (the last interval is closed); 0 outside the grid.
    /// - Complexity: O(log m).
    public func slope(_ u: Double) -> Double {
      if u.isNaN { return u }
      let m = grid.count
      if u < grid[0] || u > grid[m - 1] { return 0 }
      let i = u == grid[m - 1] ? m - 2 : interval(u)
      return (values[i + 1] - values[i]) / (grid[i + 1] - grid[i])
    }
  }

  /// A tabulated transform read from CSV text with one `u,R` pair per line.
  ///
  /// Format: fields separated by a comma, surrounding whitespace ignored; blank lines and lines starting with `#` are
  /// skipped; the first remaining line may be a header (it is skipped when its fields are not both numbers).
  /// Rows must have `u` in `[0, 1]` strictly increasing and finite `R`; at least two rows.
  /// - Parameters:
  ///   - csv: the table's text.
  ///   - source: printed by ``description`` as `table:SOURCE` (a file name, say).
  /// - Throws: ``InfAlignError/parse(kind:text:reason:)`` with kind `"transform table"`, naming the offending line
  ///   and its number.
  public static func tabulated(csv: String, source: String? = nil) throws(InfAlignError) -> Transform {
    var grid: [Double] = []
    var values: [Double] = []
    var sawContent = false
    var lineNumber = 0
    for rawLine in csv.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
      lineNumber += 1
      let line = rawLine.trimmingSpaces()
      if line.isEmpty || line.hasPrefix("#") { continue }
      defer { sawContent = true }
      func fail(_ reason: String) -> InfAlignError {
        .parse(kind: "transform table", text: String(line), reason: "line \(lineNumber): \(reason)")
      }
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
      let numbers = fields.map { Double(String($0)) }
      guard fields.count == 2, let u = numbers[0], let r = numbers[1] else {
        if !sawContent { continue }  // header
        throw fail("expected two numbers \"u,R\"")
      }
      guard u >= 0, u <= 1 else { throw fail("u = \(u) is not in [0, 1]") }
      if let last = grid.last, !(u > last) { throw fail("u = \(u) does not increase (previous u = \(last))") }
      guard r.isFinite else { throw fail("R = \(r) is not finite") }
      grid.append(u)
      values.append(r)
    }
    guard grid.count >= 2 else {
      throw .parse(
        kind: "transform table", text: String(csv.prefix(80)),
        reason: "need at least 2 rows \"u,R\", found \(grid.count)")
    }
    return try tabulated(grid: grid, values: values, source: source)
  }
}
