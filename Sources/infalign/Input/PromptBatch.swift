/// The prompts of one batch in flat storage: ids, reference rewards, rewards and (optional) log-probs of prompt `b`
/// at offsets `b ..< b+1` of their offset arrays. Reused across batches, so reading allocates only when a batch is
/// larger than any before it.
struct PromptBatch {
  enum IDKind: UInt8 {
    /// A string (JSON string or CSV cell; CSV ids are kept as bytes, not necessarily UTF-8).
    case string
    /// A JSON number, echoed as its digits.
    case number
  }

  private(set) var count = 0
  private(set) var idBytes: [UInt8] = []
  private(set) var idOffsets: [Int] = [0]
  private(set) var idKinds: [IDKind] = []
  /// Line where each prompt starts.
  private(set) var lines: [Int] = []
  var references: [Double] = []
  private(set) var referenceOffsets: [Int] = [0]
  var rewards: [Double] = []
  private(set) var rewardOffsets: [Int] = [0]
  /// Log-probs of the prompts that have them (as many as their rewards), in `logProbOffsets`.
  var policyLogProbs: [Double] = [], referenceLogProbs: [Double] = []
  private(set) var logProbOffsets: [Int] = [0]

  mutating func removeAll() {
    count = 0
    idBytes.removeAll(keepingCapacity: true)
    idOffsets.removeAll(keepingCapacity: true)
    idOffsets.append(0)
    idKinds.removeAll(keepingCapacity: true)
    lines.removeAll(keepingCapacity: true)
    references.removeAll(keepingCapacity: true)
    referenceOffsets.removeAll(keepingCapacity: true)
    referenceOffsets.append(0)
    rewards.removeAll(keepingCapacity: true)
    rewardOffsets.removeAll(keepingCapacity: true)
    rewardOffsets.append(0)
    policyLogProbs.removeAll(keepingCapacity: true)
    referenceLogProbs.removeAll(keepingCapacity: true)
    logProbOffsets.removeAll(keepingCapacity: true)
    logProbOffsets.append(0)
  }

  /// Starts prompt `count` (its arrays are appended to afterwards, then ``close()``d).
  mutating func open(id: UnsafeBufferPointer<UInt8>, kind: IDKind, line: Int) {
    idBytes.append(contentsOf: id)
    idOffsets.append(idBytes.count)
    idKinds.append(kind)
    lines.append(line)
    count += 1
  }

  /// Ends the prompt last opened.
  mutating func close() {
    referenceOffsets.append(references.count)
    rewardOffsets.append(rewards.count)
    logProbOffsets.append(policyLogProbs.count)
  }

  func id(_ b: Int) -> ArraySlice<UInt8> { idBytes[idOffsets[b]..<idOffsets[b + 1]] }

  /// The id for messages (invalid UTF-8 shown as U+FFFD; the bytes themselves are never changed).
  func idText(_ b: Int) -> String { String(decoding: id(b), as: UTF8.self) }

  func referenceRange(_ b: Int) -> Range<Int> { referenceOffsets[b]..<referenceOffsets[b + 1] }
  func rewardRange(_ b: Int) -> Range<Int> { rewardOffsets[b]..<rewardOffsets[b + 1] }
  /// The prompt's log-prob range, nil when it has none.
  func logProbRange(_ b: Int) -> Range<Int>? {
    logProbOffsets[b] == logProbOffsets[b + 1] ? nil : logProbOffsets[b]..<logProbOffsets[b + 1]
  }

  /// Offsets of the batch, for the ragged calibration API.
  var referenceOffsetsView: [Int] { referenceOffsets }
  var rewardOffsetsView: [Int] { rewardOffsets }
}
