/// All outputs of a CTRL step as matrices (`groups × groupSize`; per-token outputs `groups × (groupSize ×
/// maxTokens)`), for callers that do not manage buffers.
public struct CTRLResult<T: BLASScalar>: Sendable {
  public var calibrated: Matrix<T>
  public var transformed: Matrix<T>
  public var advantages: Matrix<T>
  public var k1: Matrix<T>
  public var k2: Matrix<T>
  public var k3: Matrix<T>
  /// `∂L/∂log π` of the total loss.
  public var lossGradient: Matrix<T>
  /// `false` for masked samples, row-major.
  public var valid: [Bool]
  public var summary: CTRLSummary
}

extension CTRLStep {
  /// Runs the step on matrices (one row per prompt group), allocating the outputs. The matrices are copied into
  /// one contiguous input block; the span form (`into:` a ``CTRLOutputArrays``) avoids that copy.
  ///
  /// - Throws: as ``run(groups:groupSize:rewards:policyLogProbs:referenceLogProbs:oldPolicyLogProbs:calibration:options:into:threads:)``,
  ///   and ``InfAlignError/shapeMismatch(_:)`` when the matrices differ in shape.
  public static func run<T: BLASScalar>(
    rewards: Matrix<T>, policyLogProbs: Matrix<T>, referenceLogProbs: Matrix<T>, oldPolicyLogProbs: Matrix<T>? = nil,
    calibration: CTRLCalibration<T>, options: CTRLOptions = .init()
  ) throws(InfAlignError) -> CTRLResult<T> {
    let (b, g) = (rewards.rows, rewards.columns)
    let logProbs = [("policy log-probs", policyLogProbs), ("reference log-probs", referenceLogProbs)]
      + (oldPolicyLogProbs.map { [("old policy log-probs", $0)] } ?? [])
    for (name, m) in logProbs where m.rows != b || m.columns != g {
      throw .shapeMismatch("\(name) are \(m.rows)×\(m.columns), rewards are \(b)×\(g)")
    }
    return try run(
      groups: b, groupSize: g, maxTokens: 1, rewards: rewards.storage, policyLogProbs: policyLogProbs.storage,
      referenceLogProbs: referenceLogProbs.storage, oldPolicyLogProbs: oldPolicyLogProbs?.storage, mask: nil,
      calibration: calibration, options: options)
  }

  /// Runs the step on token-level arrays (rewards `groups × groupSize`, log-probs and the optional mask
  /// `groups × groupSize × maxTokens`, row-major), allocating the outputs. `threads` as in the span form.
  ///
  /// - Throws: as ``run(groups:groupSize:maxTokens:rewards:policyLogProbs:referenceLogProbs:oldPolicyLogProbs:mask:rolloutLogProbs:calibration:options:into:threads:)``, and
  ///   ``InfAlignError/shapeMismatch(_:)`` when an array has the wrong length.
  public static func run<T: BLASScalar>(
    groups b: Int, groupSize g: Int, maxTokens nt: Int, rewards: [T], policyLogProbs: [T], referenceLogProbs: [T],
    oldPolicyLogProbs: [T]? = nil, mask: [Bool]? = nil, calibration: CTRLCalibration<T>,
    options: CTRLOptions = .init(), threads: Int? = nil
  ) throws(InfAlignError) -> CTRLResult<T> {
    let n = b * g, ntok = n * nt
    let arrays = [("rewards", rewards.count, n), ("policy log-probs", policyLogProbs.count, ntok),
                  ("reference log-probs", referenceLogProbs.count, ntok),
                  ("old policy log-probs", oldPolicyLogProbs?.count ?? ntok, ntok), ("mask", mask?.count ?? ntok, ntok)]
    for (name, count, want) in arrays where count != want {
      throw .shapeMismatch("\(name) hold \(count) values, \(b) groups × \(g) samples × \(nt) tokens need \(want)")
    }
    // One input block (rewards, policy, reference, old), one output block, one flag block: no nested closures.
    let input = UnsafeMutableBufferPointer<T>.allocate(capacity: n + 3 * ntok)
    let output = UnsafeMutableBufferPointer<T>.allocate(capacity: 3 * n + 4 * ntok)
    let flags = UnsafeMutableBufferPointer<Bool>.allocate(capacity: n + ntok)
    defer {
      input.deallocate()
      output.deallocate()
      flags.deallocate()
    }
    func slice<E>(_ buffer: UnsafeMutableBufferPointer<E>, _ start: Int, _ count: Int) -> UnsafeMutableBufferPointer<E> {
      UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + count)])
    }
    input.initialize(repeating: 0)
    _ = slice(input, 0, n).update(fromContentsOf: rewards)
    _ = slice(input, n, ntok).update(fromContentsOf: policyLogProbs)
    _ = slice(input, n + ntok, ntok).update(fromContentsOf: referenceLogProbs)
    if let oldPolicyLogProbs { _ = slice(input, n + 2 * ntok, ntok).update(fromContentsOf: oldPolicyLogProbs) }
    output.initialize(repeating: 0)
    flags.initialize(repeating: true)
    if let mask { _ = slice(flags, n, ntok).update(fromContentsOf: mask) }
    let outputs = CTRLOutputs(
      advantages: slice(output, 2 * n, n), lossGradient: slice(output, 3 * n + 3 * ntok, ntok),
      calibrated: slice(output, 0, n), transformed: slice(output, n, n), k1: slice(output, 3 * n, ntok),
      k2: slice(output, 3 * n + ntok, ntok), k3: slice(output, 3 * n + 2 * ntok, ntok), valid: slice(flags, 0, n))
    let tokens = CTRLTokens(
      maxTokens: nt, policyLogProbs: UnsafeBufferPointer(slice(input, n, ntok)),
      referenceLogProbs: UnsafeBufferPointer(slice(input, n + ntok, ntok)),
      oldPolicyLogProbs: oldPolicyLogProbs == nil ? nil : UnsafeBufferPointer(slice(input, n + 2 * ntok, ntok)),
      mask: mask == nil ? nil : UnsafeBufferPointer(slice(flags, n, ntok)))
    let summary = try run(
      groups: b, groupSize: g, rewards: UnsafeBufferPointer(slice(input, 0, n)), tokens: tokens,
      calibration: calibration, options: options, outputs: outputs, threads: threads)
    func matrix(_ start: Int, _ columns: Int) -> Matrix<T> {
      Matrix(rows: b, columns: columns, storage: Array(slice(output, start, b * columns)))
    }
    return CTRLResult(
      calibrated: matrix(0, g), transformed: matrix(n, g), advantages: matrix(2 * n, g),
      k1: matrix(3 * n, g * nt), k2: matrix(3 * n + ntok, g * nt), k3: matrix(3 * n + 2 * ntok, g * nt),
      lossGradient: matrix(3 * n + 3 * ntok, g * nt), valid: Array(slice(flags, 0, n)), summary: summary)
  }
}
