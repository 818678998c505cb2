import CInfAlignIO
import Glibc

/// Reads a file in large blocks and hands out its lines as bytes, in time linear in the file's size.
///
/// Lines end at `\n`, `\r\n` or a lone `\r` (old Mac files); a UTF-8 byte-order mark at the start of the file is
/// skipped. Each returned line stays valid until the next call and is followed by at least ``padding`` readable
/// bytes (what simdjson needs). Memory is one block plus the longest line (the buffer doubles when a line does
/// not fit), up to ``maximumLine``.
///
/// - Complexity: every byte is searched once for each terminator kind and moved at most once per buffer growth.
package struct ByteLineReader: ~Copyable {
  package static let blockSize = 4 << 20
  package static let maximumLine = 1 << 30
  package let path: String
  package let padding: Int
  private let fd: Int32
  private var storage: UnsafeMutableRawBufferPointer
  /// Unconsumed bytes are `start..<end`; a terminator search resumes at the cached positions.
  private var start = 0, end = 0
  private var lineFeeds = TerminatorScan(byte: 0x0A), carriageReturns = TerminatorScan(byte: 0x0D)
  private var atEOF = false, first = true
  /// 1-based number of the line last returned.
  package private(set) var lineNumber = 0

  /// Opens `path`; `blockSize` is the first read size and buffer (tests use tiny ones to hit every boundary).
  package init(path: String, blockSize: Int = ByteLineReader.blockSize) throws(InputError) {
    self.path = path
    padding = max(64, infalign_jsonl_padding())
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw InputError("cannot open input file \(path): \(InputError.reason())") }
    var info = stat()
    if fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
      close(fd)
      throw InputError("cannot read \(path): it is a directory")
    }
    self.fd = fd
    storage = .allocate(byteCount: max(blockSize, 1) + padding, alignment: 64)
  }

  deinit {
    close(fd)
    storage.deallocate()
  }

  private var capacity: Int { storage.count - padding }

  /// The next line without its terminator, or nil at the end of the file.
  package mutating func next() throws(InputError) -> UnsafeBufferPointer<UInt8>? {
    while true {
      if let (lineEnd, terminator) = findTerminator() {
        let base = storage.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let line = UnsafeBufferPointer(start: base + start, count: lineEnd - start)
        start = lineEnd + terminator
        lineNumber += 1
        return line
      }
      if atEOF {
        if start == end { return nil }
        let base = storage.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let line = UnsafeBufferPointer(start: base + start, count: end - start)
        start = end
        lineNumber += 1
        return line
      }
      try fill()
    }
  }

  /// The end of the current line and its terminator's length, when the buffer holds a whole line.
  private mutating func findTerminator() -> (Int, Int)? {
    let base = storage.baseAddress!.assumingMemoryBound(to: UInt8.self)
    lineFeeds.update(base, start: start, end: end)
    carriageReturns.update(base, start: start, end: end)
    let nextLF = lineFeeds.next
    switch (nextLF, carriageReturns.next) {
    case let (lf?, cr?) where cr < lf: return cr + 1 == lf ? (cr, 2) : (cr, 1)
    case let (_, cr?) where nextLF == nil:
      // A CR at the end of the data may be the first half of a CRLF: decide once more is read.
      if cr + 1 == end && !atEOF { return nil }
      return (cr, 1)
    case let (lf?, _): return (lf, 1)
    default: return nil
    }
  }

  /// Reads the next block, first moving the unconsumed bytes to the front or growing the buffer.
  private mutating func fill() throws(InputError) {
    if start > 0 {
      let base = storage.baseAddress!
      memmove(base, base + start, end - start)
      end -= start
      lineFeeds.shift(by: start)
      carriageReturns.shift(by: start)
      start = 0
    }
    if end == capacity {
      if capacity >= Self.maximumLine {
        throw InputError("\(path):\(lineNumber + 1): line longer than \(Self.maximumLine >> 20) MiB")
      }
      let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: 2 * capacity + padding, alignment: 64)
      grown.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: end)
      storage.deallocate()
      storage = grown
    }
    var n: Int
    repeat { n = read(fd, storage.baseAddress! + end, capacity - end) } while n < 0 && errno == EINTR
    if n < 0 { throw InputError("cannot read \(path): \(InputError.reason())") }
    if n == 0 { atEOF = true }
    end += n
    if first && end >= 3 || atEOF {
      if first, end >= 3, storage[0] == 0xEF, storage[1] == 0xBB, storage[2] == 0xBF { start = 3 }
      first = false
    }
  }
}

/// The search for one terminator byte (`\n` or `\r`) of ``ByteLineReader``: its next position at or after the line
/// start, cached, and how far the buffer has been searched for it, so every byte is searched once.
private struct TerminatorScan {
  let byte: Int32
  var next: Int? = nil
  var scanned = 0

  init(byte: Int32) { self.byte = byte }

  /// Brings ``next`` up to date for a line starting at `start` in `base[..<end]` (`memchr` from where the last
  /// search stopped).
  @inline(__always)
  mutating func update(_ base: UnsafeMutablePointer<UInt8>, start: Int, end: Int) {
    if let n = next, n >= start { return }
    next = nil
    let from = max(scanned, start)
    if let p = memchr(base + from, byte, end - from) { next = UnsafeRawPointer(p) - UnsafeRawPointer(base) }
    scanned = next.map { $0 + 1 } ?? end
  }

  /// Follows the buffer's contents moving down by `offset` bytes.
  mutating func shift(by offset: Int) {
    scanned = max(0, scanned - offset)
    next = next.map { $0 - offset }
  }
}
