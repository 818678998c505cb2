import CInfAlignSIMD
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process-wide number of threads the row kernels use, and the per-call override's resolution.
///
/// Every kernel that splits work by prompt or row block (row reductions, softmax/log-softmax, one-shot and table
/// calibration, the empirical win rate, the CTRL step) takes `threads: Int? = nil`: `nil` means ``count``, a
/// number overrides it for that call. Results are bit-identical for every thread count, because each row is
/// computed by the same code whichever thread runs it and nothing is summed across rows in parallel.
///
/// ``count`` starts as the environment variable `INFALIGN_NUM_THREADS` when it is a whole number from 1 to
/// ``maximum``, and otherwise (unset, empty, zero, negative, not a number) as ``availableCores``; set it at run
/// time to change it for the whole process. OpenBLAS keeps its own thread count (`OPENBLAS_NUM_THREADS`).
///
/// ```swift
/// Threads.count = 1                                              // everything single-threaded from here on
/// RowReductions.logSumExp(x, rows: r, columns: c, into: out, threads: 4)   // this call only
/// ```
public enum Threads {
  /// The most threads a call may use (a guard against a mistyped environment variable, not a tuning knob).
  public static let maximum = 1024

  /// The CPUs this process may run on (its affinity mask on Linux, so `taskset` and cpusets count); at least 1.
  public static let availableCores = Int(infalign_available_cores())

  /// `INFALIGN_NUM_THREADS` as parsed at start-up, or `nil` when it is unset or not a whole number in
  /// `1...maximum` (then ``count`` started at ``availableCores``).
  public static let environmentValue: Int? = parse(environment("INFALIGN_NUM_THREADS"))

  static let storage = Atomic<Int>(environmentValue ?? availableCores)

  /// The process-wide thread count used when a call passes `threads: nil`. Thread-safe to read and set.
  /// - Precondition (set): `1...maximum`.
  public static var count: Int {
    get { storage.load(ordering: .relaxed) }
    set {
      precondition(newValue >= 1 && newValue <= maximum, "thread count \(newValue) is outside 1...\(maximum)")
      storage.store(newValue, ordering: .relaxed)
    }
  }

  /// The thread count a call uses: `override`, or ``count`` when it is `nil`.
  /// - Precondition: `override` is `nil` or in `1...maximum` (a programmer error otherwise; command-line tools
  ///   validate user input before it gets here).
  @inlinable
  public static func resolve(_ override: Int?) -> Int {
    guard let override else { return count }
    precondition(override >= 1 && override <= maximum, "thread count \(override) is outside 1...\(maximum)")
    return override
  }

  /// A whole number in `1...maximum`, or `nil`.
  static func parse(_ text: String?) -> Int? {
    guard let text, let value = Int(text), value >= 1, value <= maximum else { return nil }
    return value
  }

  static func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
  }
}
