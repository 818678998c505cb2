import Glibc

/// Three stages over a fixed set of reusable slots, each stage on its own thread: **read** (fill a free slot: read
/// and parse one batch), **compute** (the calling thread), **write** (format and write a computed slot, then free
/// it). With `slots` slots, batch k+1 is parsed while batch k is computed and batch k−1 is written, and memory is
/// bounded by `slots` batches.
///
/// Order and errors are those of a loop that reads, computes and writes one batch after the other: slots move
/// through the stages in batch order; a stage that meets the end of the input or an error marks its slot
/// ``Slot/terminal`` and passes it on, the later stages finish every earlier slot first, and the writer reports the
/// first error in batch order (the reader's error for a batch only after every earlier batch was written). Nothing
/// runs after ``run(read:compute:write:)`` returns: both helper threads are joined on every path, so the caller may
/// then commit or remove its output.
final class BatchPipeline<Slot: AnyObject>: @unchecked Sendable {
  /// What a stage decided about a slot.
  enum Status {
    /// More batches may follow.
    case more
    /// The last slot: the input ended (`nil`) or a stage failed with this error; later stages pass it on.
    case terminal((any Error)?)
  }

  /// A slot and its status, both touched only by the stage holding the slot (hand-offs go through `mutex`).
  private final class Held {
    let slot: Slot
    var status = Status.more
    init(_ slot: Slot) { self.slot = slot }
    var isTerminal: Bool {
      if case .terminal = status { return true }
      return false
    }
  }

  private let held: [Held]
  /// At fixed addresses (allocated), as pthread requires; a stored `pthread_mutex_t` passed `&` has no stable one.
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  // Guarded by `mutex`: slot indices waiting for each stage, and whether the run is being torn down.
  private var free: [Int], toCompute: [Int] = [], toWrite: [Int] = []
  private var stopped = false

  /// - Precondition: at least one slot (three overlap the three stages).
  init(slots: [Slot]) {
    precondition(!slots.isEmpty, "a pipeline needs a slot")
    held = slots.map(Held.init)
    free = Array(slots.indices)
    free.reserveCapacity(slots.count)
    toCompute.reserveCapacity(slots.count)
    toWrite.reserveCapacity(slots.count)
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(changed, nil)
  }

  deinit {
    pthread_cond_destroy(changed)
    pthread_mutex_destroy(mutex)
    changed.deallocate()
    mutex.deallocate()
  }

  /// Runs the three stages to the end of the input or the first error, which it throws (the first in batch order).
  ///
  /// - Parameters:
  ///   - read: fills a slot with the next batch; returns `false` at the end of the input. Runs on a helper thread.
  ///   - compute: processes a filled slot. Runs on the calling thread.
  ///   - write: writes a computed slot, in batch order. Runs on a helper thread.
  /// An error thrown by a stage ends the run after every earlier batch was written.
  func run(
    read: @escaping (Slot) throws -> Bool, compute: (Slot) throws -> Void, write: @escaping (Slot) throws -> Void
  ) throws {
    var failure: (any Error)? = nil
    guard let reader = StageThread({ [self] in
      while let s = take(from: \.free) {
        let h = held[s]
        do {
          h.status = try read(h.slot) ? .more : .terminal(nil)
        } catch {
          h.status = .terminal(error)
        }
        let last = h.isTerminal
        put(s, into: \.toCompute)
        if last { return }
      }
    }) else { throw CLIError("could not start the reading thread (the process's thread limit)") }
    guard let writer = StageThread({ [self] in
      while let s = take(from: \.toWrite) {
        if case let .terminal(error) = held[s].status {
          failure = error
          return
        }
        do {
          try write(held[s].slot)
        } catch {
          failure = error
          stop()  // the reader and the compute stage stop at their next hand-off
          return
        }
        put(s, into: \.free)
      }
    }) else {
      stop()
      reader.join()
      throw CLIError("could not start the writing thread (the process's thread limit)")
    }
    while let s = take(from: \.toCompute) {
      let h = held[s]
      if !h.isTerminal {
        do {
          try compute(h.slot)
        } catch {
          h.status = .terminal(error)
        }
      }
      let last = h.isTerminal
      put(s, into: \.toWrite)
      if last { break }
    }
    writer.join()
    stop()
    reader.join()
    if let failure { throw failure }
  }

  /// The next slot queued for a stage, waiting for one; `nil` once the run is stopped.
  private func take(from queue: ReferenceWritableKeyPath<BatchPipeline, [Int]>) -> Int? {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    while self[keyPath: queue].isEmpty && !stopped { pthread_cond_wait(changed, mutex) }
    return stopped ? nil : self[keyPath: queue].removeFirst()
  }

  private func put(_ s: Int, into queue: ReferenceWritableKeyPath<BatchPipeline, [Int]>) {
    pthread_mutex_lock(mutex)
    self[keyPath: queue].append(s)
    pthread_cond_broadcast(changed)
    pthread_mutex_unlock(mutex)
  }

  private func stop() {
    pthread_mutex_lock(mutex)
    stopped = true
    pthread_cond_broadcast(changed)
    pthread_mutex_unlock(mutex)
  }
}

/// A thread running one closure, joined with ``join()``.
final class StageThread: @unchecked Sendable {
  private var thread = pthread_t()
  private let body: () -> Void

  /// Starts the thread; `nil` when none can be created (the process's thread limit).
  init?(_ body: @escaping () -> Void) {
    self.body = body
    let retained = Unmanaged.passRetained(self)
    let status = pthread_create(&thread, nil, { argument in
      let stage = Unmanaged<StageThread>.fromOpaque(argument!).takeRetainedValue()
      stage.body()
      return nil
    }, retained.toOpaque())
    if status != 0 {
      retained.release()
      return nil
    }
  }

  func join() { pthread_join(thread, nil) }
}
