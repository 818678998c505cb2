/// The whole input of `infalign ctrl` (one training step's batch) in flat storage, read through simdjson like
/// every other reward file: one prompt group per line, `{"id", "rewards": [G], "policy_logprobs": [G],
/// "reference_logprobs": [G]}` with optional `"old_logprobs": [G]` (on every line or none) and
/// `"reference_rewards"` (required when `needsReferences`). Every group has the G of the first. Numbers are parsed
/// exactly (17-digit text round-trips bit for bit); the first problem is one error naming the file, line and field.
///
/// Because every group has G samples, `batch.rewards`, `policyLogProbs`, `referenceLogProbs` and `oldLogProbs` are
/// the step's contiguous `groups × G` inputs as they are.
///
/// - Complexity: O(file size); memory is the file's numbers (the step needs the whole batch at once).
package struct CTRLInput {
  /// Ids, lines, reference rewards (ragged) and the `groups × groupSize` samples.
  package private(set) var batch = PromptBatch()
  package private(set) var groupSize = 0
  /// Whether the lines carry `old_logprobs` (all of them or none).
  package private(set) var hasOld = false

  package var groups: Int { batch.count }

  /// Reads and checks every line of `path` (read as JSONL whatever its name). `blockSize` as for the line reader.
  package init(path: String, needsReferences: Bool, blockSize: Int = ByteLineReader.blockSize) throws(InputError) {
    var lines = try ByteLineReader(path: path, blockSize: blockSize)
    let parser = try JSONLRecordParser(fields: JSONLRecordParser.Field.allCases, path: path)
    while let line = try lines.next() {
      if PromptReader.isBlank(line) { continue }
      // The location is text only when an error is made (it was formatted for every line).
      let number = lines.lineNumber
      try append(try parser.parse(line, at: "\(path):\(number)"), path: path, line: number,
                 needsReferences: needsReferences)
    }
    if batch.count == 0 { throw InputError("\(path): no prompt groups") }
  }

  private mutating func append(
    _ record: JSONLRecordParser.Record, path: String, line: Int, needsReferences: Bool
  ) throws(InputError) {
    func fail(_ what: String) -> InputError { InputError("\(path):\(line): \(what) (prompt \(record.idText))") }
    func required(_ f: JSONLRecordParser.Field) throws(InputError) -> UnsafeBufferPointer<Double> {
      guard let values = record.values(f) else { throw fail("missing field \"\(f.key)\"") }
      return values
    }
    let rewards = try required(.rewards)
    let policy = try required(.policyLogProbs), reference = try required(.referenceLogProbs)
    let old = record.values(.oldLogProbs)
    let references = needsReferences ? try required(.referenceRewards) : record.values(.referenceRewards)
    func sameLength(_ f: JSONLRecordParser.Field, _ values: UnsafeBufferPointer<Double>?) throws(InputError) {
      guard let values, values.count != rewards.count else { return }
      throw fail("field \"\(f.key)\" has \(values.count) entries but \"rewards\" has \(rewards.count)")
    }
    try sameLength(.policyLogProbs, policy)
    try sameLength(.referenceLogProbs, reference)
    try sameLength(.oldLogProbs, old)
    if needsReferences && references?.isEmpty != false { throw fail("field \"reference_rewards\" is empty") }
    if batch.count == 0 {
      groupSize = rewards.count
      hasOld = old != nil
      if groupSize == 0 { throw fail("field \"rewards\" is empty") }
    } else if rewards.count != groupSize {
      throw fail("field \"rewards\" has \(rewards.count) entries; every group needs \(groupSize) as the first")
    }
    if hasOld != (old != nil) { throw fail("field \"old_logprobs\" must be given on every line or on none") }
    record.open(in: &batch, line: line)
    if let references { batch.references.append(contentsOf: references) }
    batch.rewards.append(contentsOf: rewards)
    batch.policyLogProbs.append(contentsOf: policy)
    batch.referenceLogProbs.append(contentsOf: reference)
    if let old { batch.oldLogProbs.append(contentsOf: old) }
    batch.close()
  }
}
