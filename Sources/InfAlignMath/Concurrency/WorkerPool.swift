import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's worker threads: a fork-join pool that runs one job at a time on the caller plus `threads − 1`
/// parked workers. The only unsafe code of the concurrency layer lives here (pthread mutex and condition
/// variables at fixed addresses, and a non-escaping job closure lent to the workers for the duration of a call).
///
/// - One job at a time: a call made while another is running (from another thread, or nested inside a job)
///   returns `false` and the caller runs its work inline, so nothing ever waits on the pool and nothing deadlocks.
/// - No allocation per call: workers are created on first need (and when a call asks for more than exist), then
///   park on a condition variable between jobs.
@usableFromInline
final class WorkerPool: @unchecked Sendable {
  @usableFromInline static let shared = WorkerPool()

  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let wake: UnsafeMutablePointer<pthread_cond_t>
  private let finished: UnsafeMutablePointer<pthread_cond_t>
  private let busy = Atomic<Bool>(false)
  /// The next unclaimed block of the running job (see ``ParallelRows``).
  let nextBlock = Atomic<Int>(0)

  // Guarded by `mutex`.
  private var started = 0
  private var generation = 0
  private var participants = 0
  private var running = 0
  private var job: ((Int) -> Void)?

  private init() {
    mutex = .allocate(capacity: 1)
    wake = .allocate(capacity: 1)
    finished = .allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(wake, nil)
    pthread_cond_init(finished, nil)
  }

  /// Runs `work(slot)` for each slot in `0..<threads` at once, slot 0 on the calling thread, and returns when all
  /// have returned. Returns `false` without running anything when the pool is busy (the caller then runs inline).
  /// - Precondition: `threads ≥ 2`.
  @usableFromInline
  func run(threads: Int, _ work: (Int) -> Void) -> Bool {
    guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
    defer { busy.store(false, ordering: .releasing) }
    withoutActuallyEscaping(work) { lent in
      pthread_mutex_lock(mutex)
      startWorkers(upTo: threads - 1)
      job = lent
      nextBlock.store(0, ordering: .relaxed)
      participants = threads
      running = threads - 1
      generation &+= 1
      pthread_cond_broadcast(wake)
      pthread_mutex_unlock(mutex)

      lent(0)

      pthread_mutex_lock(mutex)
      while running > 0 { pthread_cond_wait(finished, mutex) }
      job = nil
      pthread_mutex_unlock(mutex)
    }
    return true
  }

  /// Runs `body` holding the pool's mutex (for the rare shared state of a job, such as its first error).
  func withLock<R>(_ body: () throws -> R) rethrows -> R {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body()
  }

  /// Creates workers `started + 1 ... count` (slots). Called with `mutex` held.
  private func startWorkers(upTo count: Int) {
    while started < count {
      started += 1
      #if canImport(Darwin)
      var thread: pthread_t? = nil
      #else
      var thread = pthread_t()
      #endif
      let slot = UnsafeMutableRawPointer(bitPattern: started)
      let status = pthread_create(&thread, nil, { argument in
        WorkerPool.shared.workerLoop(slot: Int(bitPattern: argument))
      }, slot)
      precondition(status == 0, "could not start worker thread \(started) (pthread_create: \(status))")
      #if canImport(Darwin)
      if let thread { pthread_detach(thread) }
      #else
      pthread_detach(thread)
      #endif
    }
  }

  private func workerLoop(slot: Int) -> Never {
    var seen = 0
    pthread_mutex_lock(mutex)
    while true {
      while generation == seen { pthread_cond_wait(wake, mutex) }
      seen = generation
      guard slot < participants else { continue }
      pthread_mutex_unlock(mutex)
      runJob(slot)
      pthread_mutex_lock(mutex)
      running -= 1
      if running == 0 { pthread_cond_signal(finished) }
    }
  }

  /// Calls the lent job. A separate frame, so the worker's reference to the closure is released before it reports
  /// back (the lender checks that the closure did not escape).
  @inline(never)
  private func runJob(_ slot: Int) {
    pthread_mutex_lock(mutex)
    let work = job!
    pthread_mutex_unlock(mutex)
    work(slot)
  }
}
