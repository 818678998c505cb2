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
/// Memory is bounded by the batch: no id is kept beyond its batch. An id reappearing after other prompts is an
/// error when both runs fall in one batch; across batches it is read as a new prompt (its id then appears twice in
/// the output), since detecting that would mean keeping every id of the file.
///
/// - Complexity: O(file size): lines are found with `memchr`, JSON is parsed at simdjson's speed, CSV cells by one
///   pass over the line.
final class PromptReader {
  enum Kind { case jsonl, csv }
  let path: String
  let kind: Kind
  private let requireRewards: Bool
  private var lines: ByteLineReader
  private let parser: OpaquePointer?
  private var cells = CSVLine()
  private var columns: (id: Int, source: Int, reward: Int, count: Int) = (0, 1, 2, 3)
  /// The CSV prompt being read: its id and whether it is open in the batch.
  private var currentID: [UInt8] = []
  private var open = false
  /// A CSV row that starts a prompt of the next batch.
  private var carry: (id: [UInt8], reference: Bool, reward: Double, line: Int)? = nil
  private var batchIDs = Set<[UInt8]>()
  private var message = [CChar](repeating: 0, count: 512)

  init(path: String, requireRewards: Bool = true) throws(CLIError) {
    self.path = path
    self.requireRewards = requireRewards
    lines = try ByteLineReader(path: path)
    kind = path.lowercased().hasSuffix(".csv") ? .csv : .jsonl
    if kind == .jsonl {
      parser = infalign_jsonl_parser_create()
      if parser == nil { throw CLIError("\(path): out of memory for the JSON parser") }
    } else {
      parser = nil
      try readHeader()
    }
  }

  deinit { if let parser { infalign_jsonl_parser_destroy(parser) } }

  /// Reads up to `limit` prompts into `batch` (emptied first); false when the file had no more.
  func read(into batch: inout PromptBatch, limit: Int) throws(CLIError) -> Bool {
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

  static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
  }

  // MARK: JSONL

  private func jsonLine(_ line: UnsafeBufferPointer<UInt8>, into batch: inout PromptBatch) throws(CLIError) {
    var at: String { "\(path):\(lines.lineNumber)" }
    var record = infalign_jsonl_record()
    let parser = self.parser, capacity = message.count
    let status = line.withMemoryRebound(to: CChar.self) { text in
      infalign_jsonl_parse(parser, text.baseAddress, text.count, &record, &message, capacity)
    }
    if status != 0 { throw CLIError("\(at): \(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))") }
    let count = (record.counts.0, record.counts.1, record.counts.2, record.counts.3)
    let present = (record.present.0 != 0, record.present.1 != 0, record.present.2 != 0, record.present.3 != 0)
    func id() -> String {
      record.id_kind == Int32(INFALIGN_JSONL_ID_DOUBLE) ? Field.format(record.id_number)
        : String(decoding: UnsafeRawBufferPointer(start: record.id, count: record.id_length), as: UTF8.self)
    }
    if !present.0 { throw CLIError("\(at): missing field \"reference_rewards\" (prompt \(id()))") }
    if requireRewards && !present.1 { throw CLIError("\(at): missing field \"rewards\" (prompt \(id()))") }
    if count.0 == 0 { throw CLIError("\(at): prompt \(id()) has an empty reference_rewards list") }
    if present.2 != present.3 {
      throw CLIError("\(at): give both policy_logprobs and reference_logprobs, or neither (prompt \(id()))")
    }
    if present.2 && count.2 != count.1 {
      throw CLIError("\(at): policy_logprobs has \(count.2) entries but rewards has \(count.1) (prompt \(id()))")
    }
    if present.3 && count.3 != count.1 {
      throw CLIError("\(at): reference_logprobs has \(count.3) entries but rewards has \(count.1) (prompt \(id()))")
    }
    if record.id_kind == Int32(INFALIGN_JSONL_ID_DOUBLE) {
      var text = Field.format(record.id_number)
      text.withUTF8 { batch.open(id: $0, kind: .number, line: lines.lineNumber) }
    } else {
      let bytes = UnsafeRawBufferPointer(start: record.id, count: record.id_length).bindMemory(to: UInt8.self)
      batch.open(id: bytes, kind: record.id_kind == Int32(INFALIGN_JSONL_ID_STRING) ? .string : .number,
                 line: lines.lineNumber)
    }
    batch.references.append(contentsOf: UnsafeBufferPointer(start: record.values.0, count: count.0))
    batch.rewards.append(contentsOf: UnsafeBufferPointer(start: record.values.1, count: count.1))
    if present.2 && count.1 > 0 {
      batch.policyLogProbs.append(contentsOf: UnsafeBufferPointer(start: record.values.2, count: count.2))
      batch.referenceLogProbs.append(contentsOf: UnsafeBufferPointer(start: record.values.3, count: count.3))
    }
    batch.close()
  }

  // MARK: CSV

  private func readHeader() throws(CLIError) {
    while let line = try lines.next() {
      if Self.isBlank(line) { continue }
      do { try cells.split(line) } catch { throw CLIError("\(path):\(lines.lineNumber): header \(error)") }
      let names = (0..<cells.count).map { cells.text($0).lowercased() }
      guard let id = names.firstIndex(of: "id"), let source = names.firstIndex(of: "source"),
        let reward = names.firstIndex(of: "reward")
      else {
        throw CLIError("\(path):\(lines.lineNumber): CSV header must name the columns id, source and reward (got \(names.joined(separator: ",")))")
      }
      columns = (id, source, reward, names.count)
      return
    }
    throw CLIError("\(path): empty CSV file (expected header id,source,reward)")
  }

  private func csvRows(into batch: inout PromptBatch, limit: Int) throws(CLIError) {
    batchIDs.removeAll(keepingCapacity: true)
    open = false
    if let row = carry {
      carry = nil
      try add(id: row.id, reference: row.reference, reward: row.reward, line: row.line, into: &batch, limit: limit)
    }
    while let line = try lines.next() {
      if Self.isBlank(line) { continue }
      let number = lines.lineNumber
      do { try cells.split(line) } catch { throw CLIError("\(path):\(number): \(error)") }
      if cells.count != columns.count {
        if cells.count > columns.count {
          throw CLIError("\(path):\(number): cell \(columns.count + 1) (\"\(cells.text(columns.count))\") is beyond the header's \(columns.count) columns (a decimal comma, or an unquoted comma in an id?)")
        }
        throw CLIError("\(path):\(number): \(cells.count) cells, the header has \(columns.count)")
      }
      var reward = 0.0
      let parsed = cells.cell(columns.reward).withUnsafeBufferPointer { cell in
        cell.withMemoryRebound(to: CChar.self) { infalign_parse_double($0.baseAddress, $0.count, &reward) }
      }
      if parsed == 0 || !reward.isFinite {
        throw CLIError("\(path):\(number): reward \"\(cells.text(columns.reward))\" is not a finite number (prompt \(cells.text(columns.id)))")
      }
      let reference: Bool
      switch Self.source(cells.cell(columns.source)) {
      case true?: reference = true
      case false?: reference = false
      case nil: throw CLIError("\(path):\(number): source must be reference or policy, got \"\(cells.text(columns.source))\"")
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
                            limit: Int) throws(CLIError) -> Bool {
    if open { try finish(&batch) }
    if batch.count >= limit {
      carry = (id, reference, reward, line)
      return false
    }
    if !batchIDs.insert(id).inserted {
      throw CLIError("\(path):\(line): rows of prompt \(String(decoding: id, as: UTF8.self)) are not contiguous")
    }
    id.withUnsafeBufferPointer { batch.open(id: $0, kind: .string, line: line) }
    currentID = id
    open = true
    if reference { batch.references.append(reward) } else { batch.rewards.append(reward) }
    return true
  }

  private func finish(_ batch: inout PromptBatch) throws(CLIError) {
    batch.close()
    open = false
    let b = batch.count - 1
    if batch.referenceRange(b).isEmpty {
      throw CLIError("\(path):\(batch.lines[b]): prompt \(batch.idText(b)) has an empty reference_rewards list")
    }
  }
}
