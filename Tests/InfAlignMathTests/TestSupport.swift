@_exported import InfAlignTestSupport
import InfAlignMath

// The seeded RNG and tolerance helpers are shared with the other suites (Tests/InfAlignTestSupport).

/// ``isClose(_:_:_:)`` under this suite's short name.
func close(_ a: Double, _ b: Double, _ tol: Double) -> Bool { isClose(a, b, tol) }

/// ``isRelativelyClose(_:_:_:)`` under this suite's short name.
func relClose(_ a: Double, _ b: Double, _ tol: Double) -> Bool { isRelativelyClose(a, b, tol) }

/// Sorted rows with many ties (values 0…9) and queries around and between them (−1…10), seeded: the ranking
/// tests' fixture.
func sortedAndQueries<T: BLASScalar>(_: T.Type, rows: Int, sortedColumns: Int, queryColumns: Int) throws
  -> (sorted: Matrix<T>, queries: Matrix<T>)
{
  var rng = TestRNG(33)
  var sorted = Matrix<T>(rows: rows, columns: sortedColumns) { _, _ in T(rng.int(0..<10)) }
  try RowSort.sortRows(&sorted)
  return (sorted, Matrix<T>(rows: rows, columns: queryColumns) { _, _ in T(rng.int(-1..<11)) })
}

/// Counts evaluations of a closure (tests run single-threaded inside one test function).
final class Counter {
  var count = 0
}

/// The message of a thrown `invalidArgument`, or nil.
func invalidArgumentMessage(_ body: () throws -> Void) -> String? {
  do {
    try body()
  } catch let MathError.invalidArgument(message) {
    return message
  } catch {}
  return nil
}
