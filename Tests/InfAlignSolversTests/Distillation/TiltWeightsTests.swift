import InfAlignSolvers
import RealModule
import Testing

/// Ragged groups of rewards with ties, and references per prompt.
struct TiltBatch<T: BLASScalar> {
  var rewards: [[T]] = [], references: [[T]] = []

  init(prompts: Int, seed: UInt64, samples: Range<Int> = 2..<40) {
    var rng = TestRNG(seed)
    for _ in 0..<prompts {
      let k = rng.int(samples), m = rng.int(1..<60)
      rewards.append((0..<k).map { _ in T(rng.int(0..<30)) / 4 })
      references.append((0..<m).map { _ in T(rng.int(0..<30)) / 4 })
    }
  }
}

/// The direct formulas in `Double`: `e_i = exp(Φ(u_i)/β)`, `Z = mean e`, `w = e/Z`, `ESS = (Σw)²/Σw²`,
/// `KL = Σ (w_i/K) log w_i`.
func bruteForceTilt(u: [Double], phi: (Double) -> Double, beta: Double)
  -> (weights: [Double], logZ: Double, ess: Double, kl: Double)
{
  let e = u.map { Double.exp(phi($0) / beta) }
  let z = e.reduce(0, +) / Double(u.count)
  let w = e.map { $0 / z }
  let ess = Double.pow(w.reduce(0, +), 2) / w.map { $0 * $0 }.reduce(0, +)
  let kl = w.map { $0 > 0 ? $0 / Double(u.count) * Double.log($0) : 0 }.reduce(0, +)
  return (w, Double.log(z), ess, kl)
}

private func checkAgainstBruteForce<T: BLASScalar>(_: T.Type) throws {
  let batch = TiltBatch<T>(prompts: 40, seed: 5)
  let tol = tolerance(T.self, double: 1e-12, float: 2e-5)
  for (text, strength) in [("identity", TiltStrength.beta(0.3)), ("exp:3", .beta(2.5)), ("negexp:2", .kl(0.7)),
                           ("power:2", .kl(0.2))] {
    let phi = try Transform(parsing: text)
    for loo in [false, true] {
      let options = TiltOptions(transform: phi, strength: strength, calibration: .init(smoothing: !loo))
      let tilted = try TiltWeights.compute(rewards: batch.rewards, references: loo ? nil : batch.references,
                                           options: options)
      let u = try OneShotCalibration.calibrate(
        references: loo ? batch.rewards : batch.references, queries: batch.rewards,
        options: .init(leaveOneOut: loo, smoothing: !loo))
      if case let .beta(b) = strength { #expect(tilted.beta == b) }
      if case let .kl(k) = strength { #expect(tilted.beta == (try CalibratedSpace.beta(forKL: k, transform: phi))) }
      for b in 0..<batch.rewards.count {
        let range = tilted.samples(prompt: b)
        #expect(Array(tilted.calibrated[range]) == u[b], "\(text) prompt \(b)")
        #expect(Array(tilted.transformed[range]) == u[b].map { phi.apply($0) })
        let expected = bruteForceTilt(u: u[b].map(Double.init), phi: phi.value, beta: tilted.beta)
        for (i, j) in range.enumerated() {
          #expect(isClose(Double(tilted.weights[j]), expected.weights[i], tol), "\(text) prompt \(b) sample \(i)")
        }
        #expect(isClose(tilted.logZ[b], expected.logZ, 1e-12), "\(text) prompt \(b)")
        #expect(isClose(tilted.effectiveSampleSize[b], expected.ess, 1e-12))
        #expect(isClose(tilted.kl[b], expected.kl, 1e-11), "\(text) prompt \(b): \(tilted.kl[b]) vs \(expected.kl)")
      }
    }
  }
}

@Test func tiltWeightsMatchBruteForceDouble() throws { try checkAgainstBruteForce(Double.self) }
@Test func tiltWeightsMatchBruteForceFloat() throws { try checkAgainstBruteForce(Float.self) }

/// Equal rewards: every u is ½, so the weights are 1, ESS = K and KL = 0 at any β and transform.
private func checkEqualRewards<T: BLASScalar>(_: T.Type) throws {
  for text in ["identity", "exp:4", "negexp:7", "logit:0.01"] {
    let options = TiltOptions(transform: try Transform(parsing: text), strength: .beta(0.01))
    let tilted = try TiltWeights.compute(rewards: [[T](repeating: 3, count: 7), [2, 2]], references: nil,
                                         options: options)
    #expect(tilted.calibrated.allSatisfy { $0 == 0.5 })
    #expect(tilted.weights.allSatisfy { $0 == 1 }, "\(text): \(tilted.weights)")
    #expect(tilted.effectiveSampleSize == [7, 2])
    #expect(tilted.kl == [0, 0])
    let half = options.transform.value(0.5) / 0.01
    #expect(isClose(tilted.logZ[0], half, 1e-13) && isClose(tilted.logZ[1], half, 1e-13), "\(text)")
  }
}

@Test func tiltWeightsOfEqualRewardsAreUniformDouble() throws { try checkEqualRewards(Double.self) }
@Test func tiltWeightsOfEqualRewardsAreUniformFloat() throws { try checkEqualRewards(Float.self) }

/// Identity, leave-one-out over distinct rewards: `u_i = i/(K−1)`, so `w_i = e^{u_i/β} / mean` in closed form
/// (a geometric series: `Σ e^{i·c} = (e^{Kc} − 1)/(e^c − 1)`, `c = 1/(β(K−1))`).
@Test func tiltWeightsOfIdentityAreGeometric() throws {
  let k = 9, beta = 0.25
  let tilted = try TiltWeights.compute(
    rewards: [(0..<k).map { Double($0) * 1.5 - 3 }], references: nil,
    options: TiltOptions(strength: .beta(beta)))
  let c = 1 / (beta * Double(k - 1))
  let mean = Double.expMinusOne(Double(k) * c) / Double.expMinusOne(c) / Double(k)
  for i in 0..<k {
    #expect(isClose(tilted.weights[i], Double.exp(Double(i) * c) / mean, 1e-13))
  }
  #expect(isClose(tilted.logZ[0], Double.log(mean), 1e-13))
}

/// `exp:t` with `t` far past `Double`'s range: `Φ(u)/β = e^{t(u−1)}/β̃` in the scaled form; the weights, log Z,
/// ESS and KL match a log-space brute force although `Φ(u)` itself is `+∞`.
private func checkLargeExponential<T: BLASScalar>(_: T.Type) throws {
  let t = 2000.0, scaled = 0.05
  var rng = TestRNG(8)
  let rewards: [[T]] = (0..<3).map { _ in (0..<400).map { _ in T(rng.normal()) } }
  let phi = try Transform.exponential(rate: t)
  let tilted = try TiltWeights.compute(rewards: rewards, references: nil,
                                       options: TiltOptions(transform: phi, strength: .scaledBeta(scaled)))
  #expect(tilted.beta == .infinity)
  #expect(isClose(tilted.logBeta, Double.log(scaled) + t, 1e-15))
  #expect(isClose(tilted.scaledBeta, scaled, 1e-13))
  #expect(tilted.transformed.contains(.infinity))
  #expect(tilted.weights.allSatisfy { $0.isFinite })
  let tol = tolerance(T.self, double: 1e-11, float: 2e-5)
  for b in 0..<3 {
    let range = tilted.samples(prompt: b)
    let logE = tilted.calibrated[range].map { Double.exp(t * (Double($0) - 1)) / scaled }
    let top = logE.max()!
    let logMean = top + Double.log(logE.map { Double.exp($0 - top) }.reduce(0, +) / Double(logE.count))
    let w = logE.map { Double.exp($0 - logMean) }
    #expect(isClose(tilted.logZ[b], logMean, 1e-12), "\(tilted.logZ[b]) vs \(logMean)")
    for (i, j) in range.enumerated() { #expect(isClose(Double(tilted.weights[j]), w[i], tol)) }
    let ess = Double.pow(w.reduce(0, +), 2) / w.map { $0 * $0 }.reduce(0, +)
    #expect(isClose(tilted.effectiveSampleSize[b], ess, 1e-11))
    let kl = w.map { $0 > 0 ? $0 / Double(w.count) * Double.log($0) : 0 }.reduce(0, +)
    #expect(isClose(tilted.kl[b], kl, 1e-10))
  }
  // The same policy through a KL budget.
  let budget = try TiltWeights.compute(rewards: rewards, references: nil,
                                       options: TiltOptions(transform: phi, strength: .kl(1)))
  #expect(isClose(budget.exact.kl, 1, 1e-8))
  #expect(budget.weights.allSatisfy { $0.isFinite })
}

@Test func tiltWeightsOfLargeExponentialDouble() throws { try checkLargeExponential(Double.self) }
@Test func tiltWeightsOfLargeExponentialFloat() throws { try checkLargeExponential(Float.self) }

/// A table of references gives what the one-shot references give.
@Test func tiltWeightsFromATableMatchOneShot() throws {
  let batch = TiltBatch<Double>(prompts: 30, seed: 9)
  let options = TiltOptions(transform: try .exponential(rate: 4), strength: .kl(0.5),
                            procedures: [try Procedure(parsing: "bon:4")])
  let oneShot = try TiltWeights.compute(rewards: batch.rewards, references: batch.references, options: options)
  let table = try CalibrationTable(references: batch.references)
  let flat = batch.rewards.flatMap { $0 }
  var offsets = [0]
  for r in batch.rewards { offsets.append(offsets.last! + r.count) }
  let tabled = try flat.withUnsafeBufferPointer { (r) throws(InfAlignError) in
    try offsets.withUnsafeBufferPointer { (o) throws(InfAlignError) in
      try TiltWeights.compute(rewards: r, rewardOffsets: o, table: table, options: options)
    }
  }
  #expect(tabled.weights == oneShot.weights)
  #expect(tabled.logZ == oneShot.logZ && tabled.kl == oneShot.kl)
  #expect(tabled.predictions[0].winRate == oneShot.predictions[0].winRate)
}
