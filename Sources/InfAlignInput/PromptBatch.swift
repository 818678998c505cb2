/// The prompts of one batch in flat storage: ids, reference rewards, rewards and (optional) log-probs of prompt `b`
/// at offsets `b ..< b+1` of their offset arrays. Reused across batches, so reading allocates only when a batch is
/// larger than any before it.
package struct PromptBatch {
  package enum IDKind: UInt8 {
    /// A string (JSON string or CSV cell; CSV ids are kept as bytes, not necessarily UTF-8).
    case string
    /// A JSON number, echoed as its digits.
    case number
  }

  package private(set) var count = 0
  package private(set) var idBytes: [UInt8] = []
  package private(set) var idOffsets: [Int] = [0]
  package private(set) var idKinds: [IDKind] = []
  /// Line where each prompt starts.
  package private(set) var lines: [Int] = []
  package var references: [Double] = []
  package private(set) var referenceOffsets: [Int] = [0]
  package var rewards: [Double] = []
  package private(set) var rewardOffsets: [Int] = [0]
  /// Log-probs of the prompts that have them (as many as their rewards), in `logProbOffsets`.
  package var policyLogProbs: [Double] = [], referenceLogProbs: [Double] = []
  /// `infalign ctrl`'s old-policy log-probs, at the same offsets as the log-probs (empty when not read).
  package var oldLogProbs: [Double] = []
  package private(set) var logProbOffsets: [Int] = [0]

  package init() {}

  package mutating func removeAll() {
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
    oldLogProbs.removeAll(keepingCapacity: true)
    logProbOffsets.removeAll(keepingCapacity: true)
    logProbOffsets.append(0)
  }

  /// Starts prompt `count` (its arrays are appended to afterwards, then ``close()``d).
  package mutating func open(id: UnsafeBufferPointer<UInt8>, kind: IDKind, line: Int) {
    idBytes.append(contentsOf: id)
    idOffsets.append(idBytes.count)
    idKinds.append(kind)
    lines.append(line)
    count += 1
  }

  /// Ends the prompt last opened.
  package mutating func close() {
    referenceOffsets.append(references.count)
    rewardOffsets.append(rewards.count)
    logProbOffsets.append(policyLogProbs.count)
  }

  package func id(_ b: Int) -> ArraySlice<UInt8> { idBytes[idOffsets[b]..<idOffsets[b + 1]] }

  /// The id for one-line messages (``InputError/printable(_:)``: U+FFFD for invalid UTF-8, control characters
  /// escaped; the bytes themselves are never changed).
  package func idText(_ b: Int) -> String { InputError.printable(id(b)) }

  package func referenceRange(_ b: Int) -> Range<Int> { referenceOffsets[b]..<referenceOffsets[b + 1] }
  package func rewardRange(_ b: Int) -> Range<Int> { rewardOffsets[b]..<rewardOffsets[b + 1] }
  /// The prompt's log-prob range, nil when it has none.
  package func logProbRange(_ b: Int) -> Range<Int>? {
    logProbOffsets[b] == logProbOffsets[b + 1] ? nil : logProbOffsets[b]..<logProbOffsets[b + 1]
  }

  /// Offsets of the batch, for the ragged calibration API.
  package var referenceOffsetsView: [Int] { referenceOffsets }
  package var rewardOffsetsView: [Int] { rewardOffsets }
}
