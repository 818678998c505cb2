/// Splits the rows (prompts, groups) of a batch into contiguous blocks and runs them on the process's threads.
///
/// This is the one entry point every threaded kernel uses, and the one to use for new ones:
///
/// ```swift
/// let workers = ParallelRows.workers(rows: groups, threads: threads, minimumRows: 64)
/// let scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: workers * width)   // one per worker
/// defer { scratch.deallocate() }
/// try ParallelRows.forEach(rows: groups, threads: threads, minimumRows: 64) { (rows, worker) throws(MyError) in
///   let mine = scratch.baseAddress! + worker * width
///   for g in rows { ... }                    // write only row g's outputs
/// }
/// ```
///
/// Contract, for results bit-identical to one thread:
/// - `body` computes each row from that row's inputs only and writes only that row's outputs (and its worker's
///   scratch). Blocks run concurrently; the partition into blocks depends on the thread count, so anything summed
///   across rows must be summed after `forEach` returns, in row order.
/// - Errors: each block stops at its first error, and `forEach` throws the error of the lowest block that failed,
///   which is the error a single thread would have thrown first. Rows after it may or may not have been written.
///
/// Threads come from ``Threads`` (`threads: nil` is ``Threads/count``). A call made while another threaded call
/// is running (from another thread, or from inside a `body`) runs on its own thread, inline: correct, just not
/// parallel. No allocation per call.
///
/// `package`: the library's threaded kernels and new ones in this package use it; a user sets the thread count
/// through ``Threads`` and each kernel's `threads:` argument.
@usableFromInline package enum ParallelRows {
  /// The number of workers (distinct `worker` values, `0..<workers`) a ``forEach(rows:threads:minimumRows:_:)``
  /// call with the same arguments uses: `min(threads, rows / minimumRows)`, at least 1.
  @inlinable
  package static func workers(rows: Int, threads: Int? = nil, minimumRows: Int = 1) -> Int {
    Swift.max(1, Swift.min(Threads.resolve(threads), rows / Swift.max(1, minimumRows)))
  }

  /// Calls `body(block, worker)` for contiguous blocks covering `0..<rows`, on up to
  /// ``workers(rows:threads:minimumRows:)`` threads (the caller's included); returns when all have run.
  ///
  /// - Parameters:
  ///   - minimumRows: the fewest rows worth a block of their own (so that a block's work, ~10 µs or more,
  ///     outweighs waking a thread); small batches run on the calling thread.
  ///   - body: the work for one block of rows; `worker` indexes per-worker scratch.
  /// - Throws: the first error in row order (see the type's contract).
  /// - Complexity: `body`'s cost over all rows, divided among the workers; O(1) overhead and no allocation.
  @inlinable
  package static func forEach<E: Error>(
    rows: Int, threads: Int? = nil, minimumRows: Int = 1,
    _ body: (_ rows: Range<Int>, _ worker: Int) throws(E) -> Void
  ) throws(E) {
    precondition(rows >= 0, "negative row count \(rows)")
    let workers = workers(rows: rows, threads: threads, minimumRows: minimumRows)
    if workers == 1 {
      if rows > 0 { try body(0..<rows, 0) }
      return
    }
    try runBlocks(rows: rows, workers: workers, body)
  }

  /// Eight blocks per worker, claimed in order from a shared counter: balances uneven rows, and a worker the
  /// scheduler wakes late (or never, before the caller is done: see ``WorkerPool``) leaves at most one block's
  /// tail to wait for, without splitting finer than needed.
  @usableFromInline
  static func runBlocks<E: Error>(
    rows: Int, workers: Int, _ body: (_ rows: Range<Int>, _ worker: Int) throws(E) -> Void
  ) throws(E) {
    let blocks = Swift.min(rows, workers * 8)
    let size = (rows + blocks - 1) / blocks
    let pool = WorkerPool.shared
    var failure: (block: Int, error: E)? = nil
    let ran = pool.run(threads: workers) { worker in
      while true {
        let b = pool.nextBlock.wrappingAdd(1, ordering: .relaxed).oldValue
        let lower = b * size
        if lower >= rows { return }
        do throws(E) {
          try body(lower..<Swift.min(rows, lower + size), worker)
        } catch {
          pool.withLock {
            if failure.map({ b < $0.block }) ?? true { failure = (b, error) }
          }
        }
      }
    }
    if !ran {
      try body(0..<rows, 0)
      return
    }
    if let failure { throw failure.error }
  }
}
