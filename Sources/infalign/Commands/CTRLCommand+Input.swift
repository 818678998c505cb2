import InfAlignInput
import InfAlignSolvers

/// What `infalign ctrl` needs of its input beyond reading it (``CTRLInput``, in the input library): ids as JSON,
/// the reference lists, the step's buffers and library errors mapped back to the file's lines.
extension CTRLInput {
  /// Each group's reference rewards (for `--calibration reference`).
  var referenceLists: [[Double]] { (0..<groups).map { Array(batch.references[batch.referenceRange($0)]) } }

  /// The contiguous `groups × groupSize` inputs (the old log-probs `nil` when the file has none).
  func withBuffers<R>(
    _ body: (UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>,
             UnsafeBufferPointer<Double>?) throws(InfAlignError) -> R
  ) throws(InfAlignError) -> R {
    let result: Result<R, InfAlignError> = batch.rewards.withUnsafeBufferPointer { r in
      batch.policyLogProbs.withUnsafeBufferPointer { lp in
        batch.referenceLogProbs.withUnsafeBufferPointer { lr in
          batch.oldLogProbs.withUnsafeBufferPointer { lo in
            Result { () throws(InfAlignError) in try body(r, lp, lr, hasOld ? lo : nil) }
          }
        }
      }
    }
    return try result.get()
  }

  /// A library error as one line naming the file, line and field of the sample it names.
  func explain(_ error: any Error, file: String) -> CLIError {
    guard let error = error as? InfAlignError else { return CLIError("\(file): \(error)") }
    switch error {
    case let .nonFinite(field, prompt, index, value) where prompt < groups:
      let key = [("reward", "rewards"), ("policy log-prob", "policy_logprobs"),
                 ("reference log-prob", "reference_logprobs"), ("old policy log-prob", "old_logprobs")]
        .first { $0.0 == field }?.1
      let what = key.map { "field \"\($0)\" element \(index) is not finite" }
        ?? "sample \(index): \(field) (\(value))"
      return CLIError("\(file):\(batch.lines[prompt]): \(what) (prompt \(batch.idText(prompt)))")
    case let .emptyReferences(prompt, count) where prompt < groups:
      return CLIError("\(file):\(batch.lines[prompt]): prompt \(batch.idText(prompt)) has \(count) valid sample(s); group calibration needs at least 2")
    default:
      return CLIError("\(file): \(error)")
    }
  }
}
