import CInfAlignSIMD
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
/// - Short hand-offs: a worker that finished a job polls for the next one for ``spinNanoseconds`` before parking,
///   and the caller polls for the last joined worker to finish before sleeping on the join; a ~1 ms call made
///   back to back (a training loop, a benchmark) then never waits on a sleeping thread's wake-up, which on a
///   virtual machine's idle vCPU costs from tens of microseconds to a scheduler slice. The cost is at most that
///   long of one polling core after each job.
/// - The caller never waits for a worker that has not started: a job is open from its start until the caller has
///   finished its own share, and only workers that joined while it was open are waited for. A worker the scheduler
///   wakes late (the other cores busy, a ~1 ms call) finds the job closed and goes back to sleep; waiting for it
///   used to cost the whole speed-up (the caller had done every block and still waited a scheduler slice).
/// - Fork: a forked child has only the thread that called `fork()`, so the pool's workers, and any job another
///   thread of the parent was running, do not exist there. `pthread_atfork` handlers (registered when the pool is
///   created) take the mutex before the fork, so no hand-off is half done and the mutex is not copied held by a
///   thread the child lacks; the parent then releases it, and the child re-initializes the mutex and condition
///   variables and forgets its workers and any job (`busy`, `active`, `started`), so its next threaded call starts
///   workers of its own. Without this the child ran every call inline, forever (its workers never joined), or
///   deadlocked on a mutex copied while held. Held by `Tests/CABI/fork_test.c` and `python/tests/test_fork.py`.
@usableFromInline
final class WorkerPool: @unchecked Sendable {
  @usableFromInline static let shared = WorkerPool()

  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let wake: UnsafeMutablePointer<pthread_cond_t>
  private let finished: UnsafeMutablePointer<pthread_cond_t>
  private let busy = Atomic<Bool>(false)
  /// The next unclaimed block of the running job (see ``ParallelRows``).
  let nextBlock = Atomic<Int>(0)
  /// Copies of `generation` and `active`, stored under `mutex`, polled without it (hints: every decision is
  /// re-checked under the mutex).
  private let publishedGeneration = Atomic<Int>(0)
  private let publishedActive = Atomic<Int>(0)
  /// How long a worker polls for the next job, and the caller for the workers' last blocks, before sleeping.
  static let spinNanoseconds: UInt64 = 200_000

  // Guarded by `mutex`.
  private var started = 0
  private var generation = 0
  private var participants = 0
  /// Whether a worker that wakes now may still join the running job.
  private var open = false
  /// Workers inside the running job.
  private var active = 0
  private var job: ((Int) -> Void)?

  private init() {
    mutex = .allocate(capacity: 1)
    wake = .allocate(capacity: 1)
    finished = .allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(wake, nil)
    pthread_cond_init(finished, nil)
    // The handlers name `shared`, which is this instance: the only one (`private init`), and created before any
    // fork can run them (a fork racing this initializer waits for it in `prepare`).
    pthread_atfork(
      { WorkerPool.shared.prepareFork() }, { WorkerPool.shared.parentAfterFork() },
      { WorkerPool.shared.childAfterFork() })
  }

  /// Before `fork()`, on the forking thread: takes the mutex, so no worker or caller is inside a hand-off (the
  /// mutex is never held across a job's work, so this waits microseconds at most).
  private func prepareFork() { pthread_mutex_lock(mutex) }

  /// After `fork()`, in the parent: nothing changed; releases the mutex.
  private func parentAfterFork() { pthread_mutex_unlock(mutex) }

  /// After `fork()`, in the child, whose only thread is the forking one. The mutex and condition variables are
  /// initialized afresh rather than unlocked or destroyed: their copies may record waiters that do not exist here
  /// (destroying a condition variable with waiters blocks). A job the parent was running on another thread is
  /// forgotten: its closure lives on that thread's stack and no thread of the child will finish it, so `busy`
  /// must not stay set (every later call would run inline) and `active` must not count its workers (a join would
  /// wait for them forever). `generation` is kept: new workers start from 0 and join the next job either way.
  private func childAfterFork() {
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(wake, nil)
    pthread_cond_init(finished, nil)
    started = 0
    participants = 0
    open = false
    active = 0
    job = nil
    publishedActive.store(0, ordering: .relaxed)
    busy.store(false, ordering: .releasing)
  }

  /// Runs `work(0)` on the calling thread and `work(slot)` for each slot in `1..<threads` whose worker wakes before
  /// `work(0)` returns, and returns when those have returned. `work` must therefore share its work out dynamically
  /// (as ``ParallelRows`` does, from ``nextBlock``): any slot but 0 may not run. Returns `false` without running
  /// anything when the pool is busy (the caller then runs inline).
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
      open = true
      active = 0
      publishedActive.store(0, ordering: .relaxed)
      generation &+= 1
      publishedGeneration.store(generation, ordering: .releasing)
      pthread_cond_broadcast(wake)
      pthread_mutex_unlock(mutex)

      lent(0)

      pthread_mutex_lock(mutex)
      open = false
      if active > 0 {
        pthread_mutex_unlock(mutex)
        Self.poll { publishedActive.load(ordering: .acquiring) == 0 }
        pthread_mutex_lock(mutex)
      }
      while active > 0 { pthread_cond_wait(finished, mutex) }
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
  ///
  /// Each worker starts with every asynchronous signal blocked (it inherits the mask set around `pthread_create`),
  /// so a host's SIGINT, SIGTERM, SIGCHLD, SIGALRM, … is always delivered to one of the host's own threads, where
  /// its handlers expect it (Python raises `KeyboardInterrupt` only on its main thread). The signals a fault raises
  /// in the worker itself (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS) stay unblocked so that a crash
  /// report still names the faulting thread.
  private func startWorkers(upTo count: Int) {
    var all = sigset_t()
    var previous = sigset_t()
    sigfillset(&all)
    sigdelset(&all, SIGSEGV)
    sigdelset(&all, SIGBUS)
    sigdelset(&all, SIGFPE)
    sigdelset(&all, SIGILL)
    sigdelset(&all, SIGTRAP)
    sigdelset(&all, SIGABRT)
    sigdelset(&all, SIGSYS)
    pthread_sigmask(SIG_SETMASK, &all, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
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
      if status != 0 {
        // No thread (the process's limit, EAGAIN): run with the workers there are. Every job is complete without
        // any worker (the caller claims the blocks no worker took), so this costs speed, never a result.
        started -= 1
        return
      }
      #if canImport(Darwin)
      if let thread { pthread_detach(thread) }
      #else
      pthread_detach(thread)
      #endif
    }
  }

  /// The name every worker thread carries (`top -H`, `/proc/PID/task/*/comm`, debuggers).
  static let threadName = "infalign-worker"

  private func workerLoop(slot: Int) -> Never {
    infalign_name_this_thread(Self.threadName)
    var seen = 0
    while true {
      Self.poll { publishedGeneration.load(ordering: .acquiring) != seen }
      pthread_mutex_lock(mutex)
      while generation == seen { pthread_cond_wait(wake, mutex) }
      seen = generation
      guard slot < participants, open else {
        pthread_mutex_unlock(mutex)
        continue
      }
      active += 1
      publishedActive.store(active, ordering: .relaxed)
      pthread_mutex_unlock(mutex)
      runJob(slot)
      pthread_mutex_lock(mutex)
      active -= 1
      publishedActive.store(active, ordering: .releasing)
      if active == 0 { pthread_cond_signal(finished) }
      pthread_mutex_unlock(mutex)
    }
  }

  /// Returns when `done()` or after ``spinNanoseconds`` of polling it.
  private static func poll(_ done: () -> Bool) {
    var spins = 0
    var deadline: UInt64 = 0
    while !done() {
      spins &+= 1
      guard spins & 63 == 0 else { continue }
      let now = monotonicNanoseconds()
      if deadline == 0 {
        deadline = now + spinNanoseconds
      } else if now >= deadline {
        return
      }
    }
  }

  private static func monotonicNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
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
