import InfAlignInput
import InfAlignSolvers

/// One batch of `infalign calibrate` in flight: the prompts as read, then their calibrated and transformed values
/// and advantages. Reused from batch to batch (its arrays keep their capacity), so memory stays bounded by the
/// pipeline's slots.
final class CalibrationSlot {
  var batch = PromptBatch()
  var calibrated: [Double] = [], transformed: [Double] = []
  /// Per prompt: its RLOO advantages when it has log-probs (and not leave-one-out), else nil.
  var advantages: [[Double]?] = []
  /// The first prompt whose advantages failed, and the error: the prompts before it are still written first, as a
  /// prompt-by-prompt loop would.
  var advantageFailure: (prompt: Int, error: CLIError)? = nil

  /// Calibrates the batch (one-shot: its references are used once), transforms it through the batched path and
  /// computes the advantages of the prompts that have log-probs.
  /// - Throws: a ``CLIError`` naming the line and prompt when a prompt has too few references for leave-one-out,
  ///   else naming the input.
  func compute(input: String, leaveOneOut: Bool, options: CalibrationOptions, transform phi: Transform) throws {
    let queries = leaveOneOut ? batch.references : batch.rewards
    let queryOffsets = leaveOneOut ? batch.referenceOffsetsView : batch.rewardOffsetsView
    calibrated.removeAll(keepingCapacity: true)
    calibrated.append(contentsOf: repeatElement(0, count: queries.count))
    do {
      try batch.references.withUnsafeBufferPointer { (r) throws(InfAlignError) in
        try batch.referenceOffsetsView.withUnsafeBufferPointer { (ro) throws(InfAlignError) in
          try queries.withUnsafeBufferPointer { (q) throws(InfAlignError) in
            try queryOffsets.withUnsafeBufferPointer { (qo) throws(InfAlignError) in
              try calibrated.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
                try OneShotCalibration.calibrate(references: r, referenceOffsets: ro, queries: q, queryOffsets: qo,
                                                 into: o, options: options)
              }
            }
          }
        }
      }
    } catch {
      if case let .emptyReferences(prompt, count) = error {
        throw CLIError("\(input):\(batch.lines[prompt]): prompt \(batch.idText(prompt)) has \(count) reference reward(s); leave-one-out needs at least 2")
      }
      throw CLIError("\(input): \(error)")
    }
    transformed.removeAll(keepingCapacity: true)
    transformed.append(contentsOf: calibrated)
    transformed.withUnsafeMutableBufferPointer { phi.apply(to: $0) }  // Transform's batched path, kind dispatched once
    advantages.removeAll(keepingCapacity: true)
    advantageFailure = nil
    for b in 0..<batch.count {
      guard let lp = batch.logProbRange(b), !leaveOneOut else {
        advantages.append(nil)
        continue
      }
      do {
        advantages.append(try CalibrateCommand.advantages(batch, policy: lp, transformed: transformed[batch.rewardRange(b)]))
      } catch {
        advantageFailure = (b, CLIError("\(input):\(batch.lines[b]): prompt \(batch.idText(b)): advantages: \(error)"))
        return
      }
    }
  }
}
