import CInfAlignIO
import InfAlignText

/// One JSONL line at a time through simdjson's validating DOM parser (CInfAlignIO's shim): the id and the array
/// fields asked for, numbers parsed exactly (correctly rounded, so 17-digit text round-trips bit for bit). Shared by
/// the prompt reader (`calibrate`, `winrate`) and `infalign ctrl`'s reader.
final class JSONLRecordParser {
  /// The array fields a line may carry, in the shim's order.
  enum Field: Int, CaseIterable {
    case referenceRewards, rewards, policyLogProbs, referenceLogProbs, oldLogProbs

    /// The JSON key.
    var key: String {
      switch self {
      case .referenceRewards: "reference_rewards"
      case .rewards: "rewards"
      case .policyLogProbs: "policy_logprobs"
      case .referenceLogProbs: "reference_logprobs"
      case .oldLogProbs: "old_logprobs"
      }
    }
  }

  /// A parsed line; its buffers stay valid until the next ``parse(_:at:)``.
  struct Record {
    fileprivate var raw: infalign_jsonl_record

    /// Field `f`'s numbers, nil when the line does not have it.
    func values(_ f: Field) -> UnsafeBufferPointer<Double>? {
      let present = withUnsafeBytes(of: raw.present) { $0.bindMemory(to: Int32.self)[f.rawValue] != 0 }
      guard present else { return nil }
      let start = withUnsafeBytes(of: raw.values) { $0.bindMemory(to: UnsafePointer<Double>?.self)[f.rawValue] }
      let count = withUnsafeBytes(of: raw.counts) { $0.bindMemory(to: Int.self)[f.rawValue] }
      return UnsafeBufferPointer(start: count == 0 ? nil : start, count: count)
    }

    /// The id for one-line messages.
    var idText: String {
      raw.id_kind == Int32(INFALIGN_JSONL_ID_DOUBLE) ? "\(raw.id_number)"
        : InputError.printable(UnsafeRawBufferPointer(start: raw.id, count: raw.id_length))
    }

    /// Starts a prompt with this record's id in `batch`: a string's UTF-8, an integer's digits as written, a
    /// non-integer number in Swift's shortest round-trip form.
    func open(in batch: inout PromptBatch, line: Int) {
      if raw.id_kind == Int32(INFALIGN_JSONL_ID_DOUBLE) {
        var text = "\(raw.id_number)"
        text.withUTF8 { batch.open(id: $0, kind: .number, line: line) }
      } else {
        let bytes = UnsafeRawBufferPointer(start: raw.id, count: raw.id_length).bindMemory(to: UInt8.self)
        batch.open(id: bytes, kind: raw.id_kind == Int32(INFALIGN_JSONL_ID_STRING) ? .string : .number, line: line)
      }
    }
  }

  private let parser: OpaquePointer
  private var message = [CChar](repeating: 0, count: 512)

  /// A parser reading `fields` (other keys are ignored); `path` names the file in the error.
  init(fields: [Field], path: String) throws(InputError) {
    guard let parser = infalign_jsonl_parser_create(fields.reduce(0) { $0 | 1 << UInt32($1.rawValue) }) else {
      throw InputError("\(path): out of memory for the JSON parser")
    }
    self.parser = parser
  }

  deinit { infalign_jsonl_parser_destroy(parser) }

  /// Parses one line (followed by the line reader's padding); errors start with `at` (`FILE:LINE`).
  func parse(_ line: UnsafeBufferPointer<UInt8>, at: @autoclosure () -> String) throws(InputError) -> Record {
    var record = infalign_jsonl_record()
    let capacity = message.count
    let status = line.withMemoryRebound(to: CChar.self) { text in
      infalign_jsonl_parse(parser, text.baseAddress, text.count, &record, &message, capacity)
    }
    if status != 0 {
      let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      throw InputError("\(at()): \(oneLineText(reason))")
    }
    return Record(raw: record)
  }
}
