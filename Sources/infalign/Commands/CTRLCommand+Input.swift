import Foundation
import InfAlignSolvers

/// One prompt group of `infalign ctrl`'s input.
struct CTRLRecord {
  var idJSON: String, idText: String, line: Int
  var rewards: [Double], policy: [Double], reference: [Double], old: [Double]?, referenceRewards: [Double]
}

/// The whole input of `infalign ctrl` (one training step's batch), every group with the same size, laid out
/// contiguously for the step.
struct CTRLBatch {
  var records: [CTRLRecord] = []
  var groupSize = 0
  private var rewards: [Double] = [], policy: [Double] = [], reference: [Double] = [], old: [Double] = []
  private var hasOld: Bool?

  /// Reads and checks every line; the first problem is one error naming the file, line and field.
  static func read(path: String, needsReferences: Bool) throws -> CTRLBatch {
    var lines = try ByteLineReader(path: path)
    var batch = CTRLBatch()
    while let bytes = try lines.next() {
      let text = String(decoding: bytes, as: UTF8.self)
      if text.trimmingCharacters(in: .whitespaces).isEmpty { continue }
      try batch.append(try parse(text, line: lines.lineNumber, file: path, needsReferences: needsReferences), path)
    }
    if batch.records.isEmpty { throw CLIError("\(path): no prompt groups") }
    return batch
  }

  private mutating func append(_ r: CTRLRecord, _ path: String) throws {
    let at = "\(path):\(r.line)"
    if records.isEmpty {
      groupSize = r.rewards.count
      if groupSize == 0 { throw CLIError("\(at): field \"rewards\" is empty (prompt \(r.idText))") }
    } else if r.rewards.count != groupSize {
      throw CLIError("\(at): field \"rewards\" has \(r.rewards.count) entries; every group needs \(groupSize) as the first (prompt \(r.idText))")
    }
    if let hasOld, hasOld != (r.old != nil) {
      throw CLIError("\(at): field \"old_logprobs\" must be given on every line or on none (prompt \(r.idText))")
    }
    hasOld = r.old != nil
    records.append(r)
    rewards += r.rewards
    policy += r.policy
    reference += r.reference
    if let o = r.old { old += o }
  }

  private static func parse(_ text: String, line: Int, file: String, needsReferences: Bool) throws -> CTRLRecord {
    let at = "\(file):\(line)"
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)), let dict = object as? [String: Any]
    else { throw CLIError("\(at): not a valid JSON object (numbers must be finite JSON numbers)") }
    guard let id = dict["id"] else { throw CLIError("\(at): missing field \"id\"") }
    let (idJSON, idText): (String, String)
    if let s = id as? String {
      (idJSON, idText) = (Field.jsonString(s), s)
    } else if let n = id as? NSNumber, String(cString: n.objCType) != "c" {
      (idJSON, idText) = (n.stringValue, n.stringValue)
    } else {
      throw CLIError("\(at): field \"id\" must be a string or a number")
    }
    func numbers(_ key: String, required: Bool) throws -> [Double]? {
      guard let value = dict[key] else {
        if required { throw CLIError("\(at): missing field \"\(key)\" (prompt \(idText))") }
        return nil
      }
      guard let array = value as? [Any] else {
        throw CLIError("\(at): field \"\(key)\" must be an array of numbers (prompt \(idText))")
      }
      return try array.enumerated().map { (i, element) in
        guard let n = element as? NSNumber, String(cString: n.objCType) != "c" else {
          throw CLIError("\(at): field \"\(key)\" element \(i) is not a number (prompt \(idText))")
        }
        guard n.doubleValue.isFinite else {
          throw CLIError("\(at): field \"\(key)\" element \(i) is not finite (prompt \(idText))")
        }
        return n.doubleValue
      }
    }
    let rewards = try numbers("rewards", required: true)!
    var record = CTRLRecord(
      idJSON: idJSON, idText: idText, line: line, rewards: rewards, policy: try numbers("policy_logprobs", required: true)!,
      reference: try numbers("reference_logprobs", required: true)!, old: try numbers("old_logprobs", required: false),
      referenceRewards: try numbers("reference_rewards", required: needsReferences) ?? [])
    for (key, array) in [("policy_logprobs", record.policy), ("reference_logprobs", record.reference),
                         ("old_logprobs", record.old ?? rewards)] where array.count != rewards.count {
      throw CLIError("\(at): field \"\(key)\" has \(array.count) entries but \"rewards\" has \(rewards.count) (prompt \(idText))")
    }
    if needsReferences && record.referenceRewards.isEmpty {
      throw CLIError("\(at): field \"reference_rewards\" is empty (prompt \(idText))")
    }
    record.referenceRewards = record.referenceRewards.isEmpty ? [] : record.referenceRewards
    return record
  }

  /// The contiguous inputs (the old log-probs `nil` when the file has none).
  func withBuffers<R>(
    _ body: (UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>,
             UnsafeBufferPointer<Double>?) throws(InfAlignError) -> R
  ) throws(InfAlignError) -> R {
    let block = UnsafeMutableBufferPointer<Double>.allocate(capacity: 4 * rewards.count)
    defer { block.deallocate() }
    let n = rewards.count
    for (k, array) in [rewards, policy, reference, hasOld == true ? old : rewards].enumerated() {
      _ = UnsafeMutableBufferPointer(rebasing: block[(k * n)..<((k + 1) * n)]).initialize(fromContentsOf: array)
    }
    func slot(_ k: Int) -> UnsafeBufferPointer<Double> { UnsafeBufferPointer(rebasing: block[(k * n)..<((k + 1) * n)]) }
    return try body(slot(0), slot(1), slot(2), hasOld == true ? slot(3) : nil)
  }

  /// A library error as one line naming the file, line and field of the sample it names.
  func explain(_ error: any Error, file: String) -> CLIError {
    guard let error = error as? InfAlignError else { return CLIError("\(file): \(error)") }
    switch error {
    case let .nonFinite(field, prompt, index, value) where prompt < records.count:
      let r = records[prompt]
      let key = [("reward", "rewards"), ("policy log-prob", "policy_logprobs"),
                 ("reference log-prob", "reference_logprobs"), ("old policy log-prob", "old_logprobs")]
        .first { $0.0 == field }?.1
      let what = key.map { "field \"\($0)\" element \(index) is not finite" }
        ?? "sample \(index): \(field) (\(value))"
      return CLIError("\(file):\(r.line): \(what) (prompt \(r.idText))")
    case let .emptyReferences(prompt, count) where prompt < records.count:
      let r = records[prompt]
      return CLIError("\(file):\(r.line): prompt \(r.idText) has \(count) valid sample(s); group calibration needs at least 2")
    default:
      return CLIError("\(file): \(error)")
    }
  }
}
