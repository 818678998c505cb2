// The safe public entry points take `Span`/`MutableSpan` (or arrays) and run the `package` buffer forms inside
// their `withUnsafe…` scopes: these help with the optional inputs and outputs, which have no such method.

/// `body` with the buffer of `span`, or `nil` without one.
@inlinable @inline(__always)
func withOptionalBuffer<T, R, E: Error>(
  _ span: Span<T>?, _ body: (UnsafeBufferPointer<T>?) throws(E) -> R
) throws(E) -> R {
  guard let span else { return try body(nil) }
  return try span.withUnsafeBufferPointer { (buffer) throws(E) in try body(buffer) }
}

/// `body` with the mutable buffer of `array` (in place: no copy when the array is uniquely referenced), or `nil`
/// without one.
@inlinable @inline(__always)
func withOptionalMutableBuffer<T, R, E: Error>(
  _ array: inout [T]?, _ body: (UnsafeMutableBufferPointer<T>?) throws(E) -> R
) throws(E) -> R {
  if array == nil { return try body(nil) }
  return try array!.withUnsafeMutableBufferPointer { (buffer) throws(E) in try body(buffer) }
}
