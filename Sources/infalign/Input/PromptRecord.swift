import Foundation

/// One prompt's samples read from an input file.
struct PromptRecord {
  /// The id as JSON text (echoed unchanged into the output).
  var idJSON: String
  /// The id as plain text (for CSV output and messages).
  var idText: String
  var referenceRewards: [Double] = []
  var rewards: [Double] = []
  var policyLogProbs: [Double]?
  var referenceLogProbs: [Double]?
  /// Line where the prompt starts, for messages.
  var line: Int
}

enum PromptParsing {
  /// Parses one JSONL line: `{"id": ..., "reference_rewards": [...], "rewards": [...], "policy_logprobs": [...],
  /// "reference_logprobs": [...]}` (log-prob arrays optional, both or neither).
  static func jsonLine(_ text: String, line: Int, file: String, requireRewards: Bool = true) throws -> PromptRecord {
    let where_ = "\(file):\(line)"
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
      let dict = object as? [String: Any]
    else { throw CLIError("\(where_): not a valid JSON object (numbers must be finite JSON numbers)") }
    guard let id = dict["id"] else { throw CLIError("\(where_): missing field \"id\"") }
    let idJSON: String
    let idText: String
    if let s = id as? String {
      idJSON = Field.jsonString(s)
      idText = s
    } else if let n = id as? NSNumber {
      idJSON = n.stringValue
      idText = n.stringValue
    } else {
      throw CLIError("\(where_): field \"id\" must be a string or a number")
    }
    func numbers(_ key: String, required: Bool) throws -> [Double]? {
      guard let value = dict[key] else {
        if required { throw CLIError("\(where_): missing field \"\(key)\" (prompt \(idText))") }
        return nil
      }
      guard let array = value as? [Any] else { throw CLIError("\(where_): field \"\(key)\" must be an array of numbers") }
      var out: [Double] = []
      out.reserveCapacity(array.count)
      for (i, element) in array.enumerated() {
        // JSON true/false arrive as boolean NSNumbers (objCType "c"); numbers are "i"/"q"/"d".
        guard let n = element as? NSNumber, String(cString: n.objCType) != "c", type(of: element) != Bool.self else {
          throw CLIError("\(where_): field \"\(key)\" element \(i) is not a number (prompt \(idText))")
        }
        let x = n.doubleValue
        if !x.isFinite { throw CLIError("\(where_): field \"\(key)\" element \(i) is not finite: \(x) (prompt \(idText))") }
        out.append(x)
      }
      return out
    }
    var record = PromptRecord(idJSON: idJSON, idText: idText, line: line)
    record.referenceRewards = try numbers("reference_rewards", required: true)!
    record.rewards = try numbers("rewards", required: requireRewards) ?? []
    record.policyLogProbs = try numbers("policy_logprobs", required: false)
    record.referenceLogProbs = try numbers("reference_logprobs", required: false)
    try validate(record, at: where_)
    return record
  }

  static func validate(_ r: PromptRecord, at where_: String) throws {
    if r.referenceRewards.isEmpty { throw CLIError("\(where_): prompt \(r.idText) has an empty reference_rewards list") }
    if (r.policyLogProbs == nil) != (r.referenceLogProbs == nil) {
      throw CLIError("\(where_): give both policy_logprobs and reference_logprobs, or neither (prompt \(r.idText))")
    }
    for (key, array) in [("policy_logprobs", r.policyLogProbs), ("reference_logprobs", r.referenceLogProbs)] {
      if let array, array.count != r.rewards.count {
        throw CLIError("\(where_): \(key) has \(array.count) entries but rewards has \(r.rewards.count) (prompt \(r.idText))")
      }
    }
  }
}

/// Reads prompts from JSONL (one per line) or long-form CSV (`id,source,reward` with source `reference` or `policy`,
/// a prompt's rows contiguous), one at a time.
struct PromptReader {
  enum Kind { case jsonl, csv }
  private var lines: LineReader
  private let kind: Kind
  private let file: String
  private var columns: (id: Int, source: Int, reward: Int) = (0, 1, 2)
  private var pending: PromptRecord?
  private var seen = Set<String>()
  private let requireRewards: Bool

  init(path: String, requireRewards: Bool = true) throws {
    lines = try LineReader(path: path)
    file = path
    self.requireRewards = requireRewards
    kind = path.lowercased().hasSuffix(".csv") ? .csv : .jsonl
    if kind == .csv {
      guard let header = lines.next() else { throw CLIError("\(path): empty CSV file (expected header id,source,reward)") }
      let names = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
      guard let id = names.firstIndex(of: "id"), let source = names.firstIndex(of: "source"),
        let reward = names.firstIndex(of: "reward")
      else { throw CLIError("\(path):1: CSV header must name the columns id, source and reward (got \(header))") }
      columns = (id, source, reward)
    }
  }

  mutating func next() throws -> PromptRecord? {
    switch kind {
    case .jsonl:
      while let text = lines.next() {
        if text.trimmingCharacters(in: .whitespaces).isEmpty { continue }
        return try PromptParsing.jsonLine(text, line: lines.lineNumber, file: file, requireRewards: requireRewards)
      }
      return nil
    case .csv:
      while let text = lines.next() {
        if text.trimmingCharacters(in: .whitespaces).isEmpty { continue }
        let line = lines.lineNumber
        let cells = text.split(separator: ",", omittingEmptySubsequences: false).map {
          $0.trimmingCharacters(in: .whitespaces)
        }
        guard cells.count > max(columns.id, columns.source, columns.reward) else {
          throw CLIError("\(file):\(line): expected \(max(columns.id, columns.source, columns.reward) + 1) columns")
        }
        let id = cells[columns.id]
        guard let reward = Double(cells[columns.reward]), reward.isFinite else {
          throw CLIError("\(file):\(line): reward \"\(cells[columns.reward])\" is not a finite number (prompt \(id))")
        }
        var finished: PromptRecord? = nil
        if let current = pending, current.idText != id {
          finished = current
          pending = nil
        }
        if pending == nil {
          if seen.contains(id) { throw CLIError("\(file):\(line): rows of prompt \(id) are not contiguous") }
          seen.insert(id)
          pending = PromptRecord(idJSON: Field.jsonString(id), idText: id, line: line)
        }
        switch cells[columns.source].lowercased() {
        case "reference": pending!.referenceRewards.append(reward)
        case "policy": pending!.rewards.append(reward)
        default:
          throw CLIError("\(file):\(line): source must be reference or policy, got \"\(cells[columns.source])\"")
        }
        if let finished {
          try PromptParsing.validate(finished, at: "\(file):\(finished.line)")
          return finished
        }
      }
      if let last = pending {
        pending = nil
        try PromptParsing.validate(last, at: "\(file):\(last.line)")
        return last
      }
      return nil
    }
  }
}
