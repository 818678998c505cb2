/// Scratch memory of one CTRL step (one thread), allocated once per call: rows of one group and of one sample's
/// tokens. Owns its memory; ``deallocate()`` frees it.
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

  private let doubles: UnsafeMutablePointer<Double>
  private let ints: UnsafeMutablePointer<Int>

  init(groupSize g: Int, maxTokens: Int) {
    let g = Swift.max(g, 1), t = Swift.max(maxTokens, 1)
    doubles = .allocate(capacity: 7 * g + 2 * t)
    ints = .allocate(capacity: 2 * g)
    valid = .allocate(capacity: g)
    histogram = .allocate(capacity: RadixSort.histogramCapacity(Double.self))
    reward = doubles
    calibrated = doubles + g
    sorted = doubles + 2 * g
    estimate = doubles + 3 * g
    weights = doubles + 4 * g
    sortScratch = doubles + 5 * g
    tokenKL = doubles + 7 * g
    tokenSlope = doubles + 7 * g + t
    index = ints
    order = ints + g
  }

  func deallocate() {
    doubles.deallocate()
    ints.deallocate()
    valid.deallocate()
    histogram.deallocate()
  }
}
