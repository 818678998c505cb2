import InfAlignSolvers

// The process-wide thread count of the row kernels (calibration, win rates, row reductions).

/// `int32_t infalign_thread_count(int64_t *count)`: the process-wide count (`INFALIGN_NUM_THREADS` at start-up,
/// else the available cores).
@_cdecl("infalign_thread_count")
public func infalign_thread_count(_ count: UnsafeMutablePointer<Int64>?) -> Int32 {
  abiCall("infalign_thread_count") { try Buffers.required(count, "count").pointee = Int64(Threads.count) }
}

/// `int32_t infalign_set_thread_count(int64_t count)`: sets it for the whole process, `1 ... 1024`; results do
/// not depend on it (bit-identical for every count).
@_cdecl("infalign_set_thread_count")
public func infalign_set_thread_count(_ count: Int64) -> Int32 {
  abiCall("infalign_set_thread_count") {
    // Threads.count's setter preconditions the range: checked here.
    guard count >= 1, count <= Int64(Threads.maximum) else {
      throw InfAlignError.invalidParameter(
        name: "thread count", value: Double(count), reason: "must be in 1...\(Threads.maximum)")
    }
    Threads.count = Int(count)
  }
}
