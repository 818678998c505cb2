import InfAlignMath

/// Writes rows `0..<count` to `file` in order, formatting them on the process's threads: each chunk of
/// ``chunkRows`` rows is cut into contiguous parts, each part formatted into its own byte block, then the blocks are
/// written in part order, so the file holds exactly the bytes of a one-thread loop. What it speeds up is the
/// shortest round-trip digit formatting, which is most of writing a large file of numbers.
///
/// `format(row, &block)` must only read shared state (it runs on several threads at once). Its first error in row
/// order is thrown, and nothing of that chunk is written.
/// - Complexity: `format`'s cost over all rows, divided among the threads; memory: one chunk's text.
struct ParallelRowWriter: ~Copyable {
  static let chunkRows = 4096
  static let parts = 16
  private let blocks: UnsafeMutablePointer<ByteBuffer>

  init() {
    blocks = .allocate(capacity: Self.parts)
    for p in 0..<Self.parts { (blocks + p).initialize(to: ByteBuffer(capacity: 1 << 16)) }
  }

  deinit {
    blocks.deinitialize(count: Self.parts)
    blocks.deallocate()
  }

  func write(
    count: Int, to file: OutputFile, threads: Int? = nil,
    _ format: (_ row: Int, _ block: inout ByteBuffer) throws(CLIError) -> Void
  ) throws(CLIError) {
    var start = 0
    while start < count {
      let rows = Swift.min(count - start, Self.chunkRows), parts = Swift.min(Self.parts, rows), first = start
      try ParallelRows.forEach(rows: parts, threads: threads) { (range, _) throws(CLIError) in
        for p in range {
          blocks[p].removeAll()
          for row in (first + p * rows / parts)..<(first + (p + 1) * rows / parts) { try format(row, &blocks[p]) }
        }
      }
      for p in 0..<parts {
        let bytes = blocks[p].bytes
        try file.append { $0.append(bytes.assumingMemoryBound(to: UInt8.self)) }
      }
      start += rows
    }
  }
}
