import CInfAlignIO
import Glibc

/// Reads prompts from JSONL (one object per line, parsed by simdjson) or long-form CSV (`id,source,reward` with
/// source `reference` or `policy`), a batch at a time into flat storage.
///
/// JSONL: `{"id": ..., "reference_rewards": [...], "rewards": [...], "policy_logprobs": [...],
/// "reference_logprobs": [...]}` (log-prob arrays optional, both or neither; other fields ignored; duplicate fields
/// rejected). CSV: a header naming `id`, `source` and `reward` (other columns allowed), every row with exactly the
/// header's cells, a prompt's rows contiguous. A UTF-8 byte-order mark and CRLF or CR-only line endings are
/// accepted. CSV ids are compared as bytes (never decoded, so `p\xe9` and `p\xe8` stay two prompts).
///
/// Memory is bounded by the batch plus 8 bytes per CSV prompt: no id is kept beyond its batch, only its 64-bit
/// hash (``IDHashSet``), so a prompt id that reappears after other prompts is an error naming both lines, in
/// whichever batches they fall. A hash hit is confirmed on the bytes (in the batch, else by rereading the file up to
/// the line) before it is reported; a mere collision of two ids is read on. Input that cannot be reread (a pipe)
/// reports the reappearance without the earlier line.
///
/// - Complexity: O(file size): lines are found with `memchr`, JSON is parsed at simdjson's speed, CSV cells by one
///   pass over the line.
package final class PromptReader {
  package enum Kind { case jsonl, csv }
  package let path: String
  package let kind: Kind
  private let requireRewards: Bool
  private var lines: ByteLineReader
  private let parser: JSONLRecordParser?
  private var cells = CSVLine()
  private var columns: (id: Int, source: Int, reward: Int, count: Int) = (0, 1, 2, 3)
  /// The CSV prompt being read: its id and whether it is open in the batch.
  private var currentID: [UInt8] = []
  private var open = false
  /// A CSV row that starts a prompt of the next batch.
  private var carry: (id: [UInt8], reference: Bool, reward: Double, line: Int)? = nil
  /// Hashes of the CSV ids read so far (nil when not checking: the reread that names an earlier line).
  private var seen: IDHashSet?
  private let idHash: (UnsafeRawBufferPointer) -> UInt64

  /// Opens `path` (CSV when it ends in `.csv`, else JSONL) and reads a CSV header. `blockSize` is the line
  /// reader's first block (the fuzz target uses tiny ones so lines straddle block boundaries).
  /// `idHash` replaces the id hash (tests make every id collide); `checkReappearance: false` skips the check.
  package init(
    path: String, requireRewards: Bool = true, blockSize: Int = ByteLineReader.blockSize,
    idHash: @escaping (UnsafeRawBufferPointer) -> UInt64 = IDHashSet.hash, checkReappearance: Bool = true
  ) throws(InputError) {
    self.path = path
    self.requireRewards = requireRewards
    self.idHash = idHash
    seen = checkReappearance ? IDHashSet() : nil
    lines = try ByteLineReader(path: path, blockSize: blockSize)
    kind = path.lowercased().hasSuffix(".csv") ? .csv : .jsonl
    if kind == .jsonl {
      parser = try JSONLRecordParser(
        fields: [.referenceRewards, .rewards, .policyLogProbs, .referenceLogProbs], path: path)
    } else {
      parser = nil
      try readHeader()
    }
  }

  /// Reads up to `limit` prompts into `batch` (emptied first); false when the file had no more.
  package func read(into batch: inout PromptBatch, limit: Int) throws(InputError) -> Bool {
    batch.removeAll()
    switch kind {
    case .jsonl:
      while batch.count < limit, let line = try lines.next() {
        if Self.isBlank(line) { continue }
        try jsonLine(line, into: &batch)
      }
    case .csv: try csvRows(into: &batch, limit: limit)
    }
    return batch.count > 0
  }

  package static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
  }

  // MARK: JSONL

  private func jsonLine(_ line: UnsafeBufferPointer<UInt8>, into batch: inout PromptBatch) throws(InputError) {
    let at = "\(path):\(lines.lineNumber)"
    let record = try parser!.parse(line, at: at)
    let references = record.values(.referenceRewards), rewards = record.values(.rewards)
    let policy = record.values(.policyLogProbs), reference = record.values(.referenceLogProbs)
    guard let references else { throw InputError("\(at): missing field \"reference_rewards\" (prompt \(record.idText))") }
    if requireRewards && rewards == nil { throw InputError("\(at): missing field \"rewards\" (prompt \(record.idText))") }
    if references.isEmpty { throw InputError("\(at): prompt \(record.idText) has an empty reference_rewards list") }
    if (policy == nil) != (reference == nil) {
      throw InputError("\(at): give both policy_logprobs and reference_logprobs, or neither (prompt \(record.idText))")
    }
    let count = rewards?.count ?? 0
    for (key, values) in [("policy_logprobs", policy), ("reference_logprobs", reference)] {
      if let values, values.count != count {
        throw InputError("\(at): \(key) has \(values.count) entries but rewards has \(count) (prompt \(record.idText))")
      }
    }
    record.open(in: &batch, line: lines.lineNumber)
    batch.references.append(contentsOf: references)
    if let rewards { batch.rewards.append(contentsOf: rewards) }
    if let policy, let reference, count > 0 {
      batch.policyLogProbs.append(contentsOf: policy)
      batch.referenceLogProbs.append(contentsOf: reference)
    }
    batch.close()
  }

  // MARK: CSV

  private func readHeader() throws(InputError) {
    while let line = try lines.next() {
      if Self.isBlank(line) { continue }
      do { try cells.split(line) } catch { throw InputError("\(path):\(lines.lineNumber): header \(error)") }
      let names = (0..<cells.count).map { cells.text($0).lowercased() }
      guard let id = names.firstIndex(of: "id"), let source = names.firstIndex(of: "source"),
        let reward = names.firstIndex(of: "reward")
      else {
        throw InputError("\(path):\(lines.lineNumber): CSV header must name the columns id, source and reward (got \(names.joined(separator: ",")))")
      }
      columns = (id, source, reward, names.count)
      return
    }
    throw InputError("\(path): empty CSV file (expected header id,source,reward)")
  }

  private func csvRows(into batch: inout PromptBatch, limit: Int) throws(InputError) {
    open = false
    if let row = carry {
      carry = nil
      try add(id: row.id, reference: row.reference, reward: row.reward, line: row.line, into: &batch, limit: limit)
    }
    while let line = try lines.next() {
      if Self.isBlank(line) { continue }
      let number = lines.lineNumber
      do { try cells.split(line) } catch { throw InputError("\(path):\(number): \(error)") }
      if cells.count != columns.count {
        if cells.count > columns.count {
          throw InputError("\(path):\(number): cell \(columns.count + 1) (\"\(cells.text(columns.count))\") is beyond the header's \(columns.count) columns (a decimal comma, or an unquoted comma in an id?)")
        }
        throw InputError("\(path):\(number): \(cells.count) cells, the header has \(columns.count)")
      }
      var reward = 0.0
      let parsed = cells.cell(columns.reward).withUnsafeBufferPointer { cell in
        cell.withMemoryRebound(to: CChar.self) { infalign_parse_double($0.baseAddress, $0.count, &reward) }
      }
      if parsed == 0 || !reward.isFinite {
        throw InputError("\(path):\(number): reward \"\(cells.text(columns.reward))\" is not a finite number (prompt \(cells.text(columns.id)))")
      }
      let reference: Bool
      switch Self.source(cells.cell(columns.source)) {
      case true?: reference = true
      case false?: reference = false
      case nil: throw InputError("\(path):\(number): source must be reference or policy, got \"\(cells.text(columns.source))\"")
      }
      let id = cells.cell(columns.id)
      if open && Self.equal(id, currentID) {
        if reference { batch.references.append(reward) } else { batch.rewards.append(reward) }
        continue
      }
      if try !add(id: Array(id), reference: reference, reward: reward, line: number, into: &batch, limit: limit) {
        return
      }
    }
    if open { try finish(&batch) }
  }

  /// `reference` → true, `policy` → false (ASCII case-insensitive), else nil.
  static func source(_ cell: ArraySlice<UInt8>) -> Bool? {
    func matches(_ word: StaticString) -> Bool {
      guard cell.count == word.utf8CodeUnitCount else { return false }
      let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
      return zip(cell, w).allSatisfy { $0 | 0x20 == $1 }
    }
    if matches("reference") { return true }
    if matches("policy") { return false }
    return nil
  }

  static func equal(_ a: ArraySlice<UInt8>, _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
  }

  /// Starts a new prompt with its first row; false (keeping the row for the next batch) when the batch is full.
  @discardableResult
  private func add(id: [UInt8], reference: Bool, reward: Double, line: Int, into batch: inout PromptBatch,
                            limit: Int) throws(InputError) -> Bool {
    if open { try finish(&batch) }
    if batch.count >= limit {
      carry = (id, reference, reward, line)
      return false
    }
    if seen != nil, !seen!.insert(id.withUnsafeBytes(idHash)) { try reappeared(id, line: line, batch: batch) }
    id.withUnsafeBufferPointer { batch.open(id: $0, kind: .string, line: line) }
    currentID = id
    open = true
    if reference { batch.references.append(reward) } else { batch.rewards.append(reward) }
    return true
  }

  /// Throws for an id whose hash was seen before, naming both lines, unless the bytes show a hash collision.
  /// - Complexity: O(batch) when the earlier rows are in this batch, else a reread of the file up to `line`.
  private func reappeared(_ id: [UInt8], line: Int, batch: PromptBatch) throws(InputError) {
    func fail(_ earlier: String) -> InputError {
      InputError("\(path):\(line): rows of prompt \(InputError.printable(id)) are not contiguous (\(earlier)); a prompt's rows must be consecutive")
    }
    if let b = (0..<batch.count).first(where: { batch.id($0).elementsEqual(id) }) {
      throw fail("it first appears at line \(batch.lines[b])")
    }
    var info = stat()
    guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
      let again = try? PromptReader(path: path, checkReappearance: false)
    else { throw fail("it appeared in an earlier batch; this input cannot be reread to name the line") }
    // One prompt per batch, so the reread stops right after the earlier rows and never reads past `line`.
    var one = PromptBatch()
    while (try? again.read(into: &one, limit: 1)) == true, one.lines[0] < line {
      if one.id(0).elementsEqual(id) { throw fail("it first appears at line \(one.lines[0])") }
    }
  }

  private func finish(_ batch: inout PromptBatch) throws(InputError) {
    batch.close()
    open = false
    let b = batch.count - 1
    if batch.referenceRange(b).isEmpty {
      throw InputError("\(path):\(batch.lines[b]): prompt \(batch.idText(b)) has an empty reference_rewards list")
    }
  }
}
