import InfAlignMath
import Synchronization
import Testing

private struct RowFailure: Error, Equatable { let row: Int }

/// Every row is visited exactly once, by a worker index below `workers(...)`, for many shapes and thread counts.
@Test func forEachCoversEveryRowOnce() {
  for threads in [1, 2, 3, 8] {
    for rows in [0, 1, 2, 7, 64, 1000] {
      for minimumRows in [1, 3, 100] {
        let workers = ParallelRows.workers(rows: rows, threads: threads, minimumRows: minimumRows)
        #expect(workers >= 1 && workers <= threads)
        let visits = UnsafeMutableBufferPointer<Int>.allocate(capacity: Swift.max(rows, 1))
        visits.initialize(repeating: 0)
        defer { visits.deallocate() }
        let badWorker = Atomic<Bool>(false)
        ParallelRows.forEach(rows: rows, threads: threads, minimumRows: minimumRows) { block, worker in
          if worker < 0 || worker >= workers { badWorker.store(true, ordering: .relaxed) }
          for i in block { visits[i] += 1 }
        }
        let sawBadWorker = badWorker.load(ordering: .relaxed)
        #expect(!sawBadWorker)
        #expect(visits.prefix(rows).allSatisfy { $0 == 1 }, "rows \(rows) threads \(threads) min \(minimumRows)")
      }
    }
  }
}

/// Small batches stay on the calling thread: one worker when `rows < 2 · minimumRows`.
@Test func smallBatchesUseOneWorker() {
  #expect(ParallelRows.workers(rows: 10, threads: 8, minimumRows: 6) == 1)
  #expect(ParallelRows.workers(rows: 12, threads: 8, minimumRows: 6) == 2)
  #expect(ParallelRows.workers(rows: 1000, threads: 3, minimumRows: 1) == 3)
  #expect(ParallelRows.workers(rows: 1000, threads: 1) == 1)
}

/// The error thrown is the lowest failing row's, as a single thread would throw, whatever the thread count.
@Test func forEachThrowsTheFirstErrorInRowOrder() {
  let failing: Set<Int> = [37, 400, 401, 999]
  for threads in [1, 2, 4] {
    #expect(throws: RowFailure(row: 37)) {
      try ParallelRows.forEach(rows: 1000, threads: threads) { (block, _) throws(RowFailure) in
        for i in block where failing.contains(i) { throw RowFailure(row: i) }
      }
    }
  }
}

/// A threaded call from inside another one's body runs inline (the pool runs one job at a time) and completes.
@Test func nestedCallsRunInline() {
  let total = Atomic<Int>(0)
  ParallelRows.forEach(rows: 8, threads: 2) { outer, _ in
    for _ in outer {
      ParallelRows.forEach(rows: 100, threads: 2) { inner, _ in
        total.add(inner.count, ordering: .relaxed)
      }
    }
  }
  let visited = total.load(ordering: .relaxed)
  #expect(visited == 800)
}

/// Calls from several threads at once all complete with their own results.
@Test func concurrentCallersAllComplete() async {
  await withTaskGroup(of: Bool.self) { group in
    for caller in 0..<4 {
      group.addTask {
        var out = [Int](repeating: 0, count: 5000)
        out.withUnsafeMutableBufferPointer { o in
          ParallelRows.forEach(rows: 5000, threads: 2) { block, _ in for i in block { o[i] = i * caller } }
        }
        return out.enumerated().allSatisfy { $0.element == $0.offset * caller }
      }
    }
    for await ok in group { #expect(ok) }
  }
}

/// Many short calls back to back: workers join a job late or not at all (the caller may finish every block before
/// a worker wakes), and every row of every call is still visited exactly once, with no worker index reused by two
/// running blocks' scratch.
@Test func backToBackShortCallsVisitEveryRowOnce() {
  let rows = 24, calls = 2000
  let visits = UnsafeMutableBufferPointer<Int>.allocate(capacity: rows)
  defer { visits.deallocate() }
  visits.initialize(repeating: 0)
  let inside = Atomic<Int>(0)  // bit w: worker index w is running a block
  let overlapped = Atomic<Bool>(false)
  for _ in 0..<calls {
    ParallelRows.forEach(rows: rows, threads: 4) { block, worker in
      let bit = 1 << worker
      if inside.bitwiseOr(bit, ordering: .acquiring).oldValue & bit != 0 { overlapped.store(true, ordering: .relaxed) }
      for i in block { visits[i] += 1 }
      inside.bitwiseAnd(~bit, ordering: .releasing)
    }
  }
  #expect(visits.allSatisfy { $0 == calls })
  let sawOverlap = overlapped.load(ordering: .relaxed)
  #expect(!sawOverlap)
}
