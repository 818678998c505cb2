import InfAlignMath

/// Scratch memory of one worker of a CTRL step: rows of one group and of one sample's tokens. A view into
/// ``CTRLWorkspaces``, which owns the memory.
struct CTRLWorkspace {
  /// Per group (`G` each): validity, the positions of the valid samples, sort order.
  let valid: UnsafeMutablePointer<Bool>
  let index: UnsafeMutablePointer<Int>
  let order: UnsafeMutablePointer<Int>
  /// Per group (`G` each, `Double`): rewards, calibrated values, sorted values, estimator outputs and weights,
  /// the radix-sort scratch.
  let reward: UnsafeMutablePointer<Double>
  let calibrated: UnsafeMutablePointer<Double>
  let sorted: UnsafeMutablePointer<Double>
  let estimate: UnsafeMutablePointer<Double>
  let weights: UnsafeMutablePointer<Double>
  let sortScratch: UnsafeMutablePointer<Double>
  let histogram: UnsafeMutablePointer<Int32>
  /// Per sample (`maxTokens` each): the KL return-to-go and `∂ℓ/∂log r` of each token.
  let tokenKL: UnsafeMutablePointer<Double>
  let tokenSlope: UnsafeMutablePointer<Double>
  /// Per sample (`maxTokens` values of the step's precision, in 8-byte slots): the sample's advantage broadcast
  /// over its tokens, the per-token input of the vector kernel. Only ever accessed as the batch's `T`.
  let tokenAdvantage: UnsafeMutableRawPointer
  /// Per sample (`maxTokens`): whether each token stays in the loss after rollout rejection.
  let tokenKeep: UnsafeMutablePointer<Bool>
}

/// The workspaces of all the workers of one CTRL step, allocated once per call in one allocation whatever the
/// number of workers (a constant, never per group or sample). ``deallocate()`` frees it.
struct CTRLWorkspaces {
  private let g: Int, t: Int, histogramSize: Int
  private let memory: UnsafeMutableRawPointer
  private let doubles: UnsafeMutablePointer<Double>
  private let ints: UnsafeMutablePointer<Int>
  private let histogram: UnsafeMutablePointer<Int32>
  private let valid: UnsafeMutablePointer<Bool>

  /// - Precondition: `workers ≥ 1`.
  init(workers: Int, groupSize: Int, maxTokens: Int) {
    precondition(workers >= 1, "a CTRL step needs at least one workspace")
    g = Swift.max(groupSize, 1)
    t = Swift.max(maxTokens, 1)
    histogramSize = RadixSort.histogramCapacity(Double.self)
    // Regions in decreasing alignment: Double and Int (8 bytes), Int32, Bool.
    let doubleCount = workers * (7 * g + 3 * t), intCount = workers * 2 * g
    let histogramCount = workers * histogramSize, validCount = workers * (g + t)
    let intStart = doubleCount * 8, histogramStart = intStart + intCount * 8
    let validStart = histogramStart + histogramCount * 4
    memory = .allocate(byteCount: validStart + validCount, alignment: 16)
    doubles = memory.bindMemory(to: Double.self, capacity: doubleCount)
    ints = (memory + intStart).bindMemory(to: Int.self, capacity: intCount)
    histogram = (memory + histogramStart).bindMemory(to: Int32.self, capacity: histogramCount)
    valid = (memory + validStart).bindMemory(to: Bool.self, capacity: validCount)
  }

  /// Worker `w`'s scratch (disjoint from every other worker's).
  subscript(w: Int) -> CTRLWorkspace {
    let d = doubles + w * (7 * g + 3 * t), i = ints + w * 2 * g
    return CTRLWorkspace(
      valid: valid + w * (g + t), index: i, order: i + g, reward: d, calibrated: d + g, sorted: d + 2 * g,
      estimate: d + 3 * g, weights: d + 4 * g, sortScratch: d + 5 * g, histogram: histogram + w * histogramSize,
      tokenKL: d + 7 * g, tokenSlope: d + 7 * g + t, tokenAdvantage: UnsafeMutableRawPointer(d + 7 * g + 2 * t),
      tokenKeep: valid + w * (g + t) + g)
  }

  func deallocate() { memory.deallocate() }
}
