/// A dense, row-major matrix with contiguous storage.
///
/// Row `i` occupies `_storage[i * columns ..< (i + 1) * columns]`. In this library one row is usually one prompt's
/// group (its reference rewards, its candidates' logits), so row-wise kernels take a `Matrix` or the same layout
/// through raw buffers. Storage is an `Array`, so copies are copy-on-write and `Matrix` is a cheap value.
///
/// ```swift
/// let a = Matrix<Double>(rows: 2, columns: 3, storage: [1, 2, 3, 4, 5, 6])
/// let c = a * a.transposed()        // one GEMM
/// ```
public struct Matrix<Scalar: BLASScalar>: Sendable, Equatable {
  /// Number of rows.
  public let rows: Int
  /// Number of columns (the leading dimension of the row-major storage).
  public let columns: Int
  /// Row-major elements, `rows * columns` of them.
  @inlinable public var storage: [Scalar] { _storage }
  @usableFromInline var _storage: [Scalar]

  /// A matrix with every element equal to `value`.
  public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
    precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative (got \(rows)×\(columns))")
    self.rows = rows
    self.columns = columns
    self._storage = Array(repeating: value, count: rows * columns)
  }

  /// A matrix over row-major `storage`, which must hold exactly `rows * columns` elements.
  public init(rows: Int, columns: Int, storage: [Scalar]) {
    precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative (got \(rows)×\(columns))")
    precondition(
      storage.count == rows * columns,
      "Matrix storage has \(storage.count) elements, expected \(rows)×\(columns) = \(rows * columns)")
    self.rows = rows
    self.columns = columns
    self._storage = storage
  }

  /// A matrix whose element `(i, j)` is `element(i, j)`.
  public init(rows: Int, columns: Int, _ element: (_ row: Int, _ column: Int) throws -> Scalar) rethrows {
    self.init(rows: rows, columns: columns)
    for i in 0..<rows {
      for j in 0..<columns { _storage[i * columns + j] = try element(i, j) }
    }
  }

  /// A matrix from nested rows, which must all have the same length.
  public init(_ nestedRows: [[Scalar]]) {
    let columns = nestedRows.first?.count ?? 0
    precondition(nestedRows.allSatisfy { $0.count == columns }, "Matrix rows must all have the same length")
    self.init(rows: nestedRows.count, columns: columns, storage: nestedRows.flatMap { $0 })
  }

  /// The `n`×`n` identity matrix.
  public static func identity(_ n: Int) -> Matrix {
    var m = Matrix(rows: n, columns: n)
    for i in 0..<n { m._storage[i * n + i] = 1 }
    return m
  }

  /// Number of elements.
  @inlinable public var count: Int { rows * columns }

  /// Element `(i, j)`.
  @inlinable public subscript(row: Int, column: Int) -> Scalar {
    get {
      precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Matrix index (\(row), \(column)) out of range \(rows)×\(columns)")
      return _storage[row * columns + column]
    }
    set {
      precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Matrix index (\(row), \(column)) out of range \(rows)×\(columns)")
      _storage[row * columns + column] = newValue
    }
  }

  /// Row `i` as a slice of the storage (no copy; indices are storage indices).
  @inlinable public func row(_ i: Int) -> ArraySlice<Scalar> {
    precondition(i >= 0 && i < rows, "row \(i) out of range 0..<\(rows)")
    return _storage[(i * columns)..<((i + 1) * columns)]
  }

  /// Calls `body` with row `i` as a buffer (no copy).
  @inlinable public func withRow<R, E: Error>(
    _ i: Int, _ body: (UnsafeBufferPointer<Scalar>) throws(E) -> R
  ) throws(E) -> R {
    precondition(i >= 0 && i < rows, "row \(i) out of range 0..<\(rows)")
    return try _storage.withUnsafeBufferPointer { (all) throws(E) -> R in
      try body(UnsafeBufferPointer(rebasing: all[(i * columns)..<((i + 1) * columns)]))
    }
  }

  /// Calls `body` with row `i` as a mutable buffer (no copy beyond copy-on-write uniqueness).
  @inlinable public mutating func withMutableRow<R, E: Error>(
    _ i: Int, _ body: (UnsafeMutableBufferPointer<Scalar>) throws(E) -> R
  ) throws(E) -> R {
    precondition(i >= 0 && i < rows, "row \(i) out of range 0..<\(rows)")
    let columns = self.columns
    return try _storage.withUnsafeMutableBufferPointer { (all) throws(E) -> R in
      try body(UnsafeMutableBufferPointer(rebasing: all[(i * columns)..<((i + 1) * columns)]))
    }
  }

  /// Calls `body` with the whole row-major storage.
  @inlinable public func withUnsafeBufferPointer<R, E: Error>(
    _ body: (UnsafeBufferPointer<Scalar>) throws(E) -> R
  ) throws(E) -> R {
    try _storage.withUnsafeBufferPointer(body)
  }

  /// Calls `body` with the whole row-major storage, mutable.
  @inlinable public mutating func withUnsafeMutableBufferPointer<R, E: Error>(
    _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws(E) -> R
  ) throws(E) -> R {
    try _storage.withUnsafeMutableBufferPointer(body)
  }

  /// The transpose, as a new matrix.
  ///
  /// - Complexity: O(rows × columns).
  public func transposed() -> Matrix {
    var t = Matrix(rows: columns, columns: rows)
    for i in 0..<rows {
      for j in 0..<columns { t._storage[j * rows + i] = _storage[i * columns + j] }
    }
    return t
  }
}

extension Matrix: CustomStringConvertible {
  public var description: String {
    (0..<rows).map { i in row(i).map { "\($0)" }.joined(separator: " ") }.joined(separator: "\n")
  }
}
