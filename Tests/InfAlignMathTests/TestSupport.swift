@_exported import InfAlignTestSupport

// The seeded RNG and tolerance helpers are shared with the other suites (Tests/InfAlignTestSupport).

/// ``isClose(_:_:_:)`` under this suite's short name.
func close(_ a: Double, _ b: Double, _ tol: Double) -> Bool { isClose(a, b, tol) }

/// ``isRelativelyClose(_:_:_:)`` under this suite's short name.
func relClose(_ a: Double, _ b: Double, _ tol: Double) -> Bool { isRelativelyClose(a, b, tol) }
