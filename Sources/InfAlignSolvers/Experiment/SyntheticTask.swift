import RealModule

/// A seeded synthetic alignment task (for the end-to-end experiment and benchmarks): `prompts` prompts, each with
/// `candidates` candidate responses described by feature vectors, a reference policy over them, and a reward whose
/// scale and offset differ wildly between prompts, as real reward models' do.
///
/// Generation, per prompt `b` and candidate `k` (all draws from one `Xoshiro256StarStar(seed:)` stream):
/// - features `x_bk ~ N(0, I_d)`;
/// - latent quality `q_bk = w·x_bk + 0.5·ε_bk` with a fixed `w ~ N(0, I_d)/√d`;
/// - raw reward `r_bk = a_b·q_bk + c_b`, with a per-prompt scale `a_b = exp(1.5·z_b)` and offset `c_b ~ N(0, 25)`;
/// - reference log-probs `ℓ_bk = log softmax_k(v·x_bk + 0.5·η_bk)` with a fixed `v ~ N(0, I_d)/√d` (π_ref likes
///   some candidates more than others, independently of their quality);
/// - reference reward samples for calibration: `referenceSamples` draws of candidates from π_ref per prompt,
///   their rewards (ties, since candidates repeat, are handled by mid-rank calibration).
public struct SyntheticTask<T: BLASScalar>: Sendable {
  public let prompts: Int
  public let candidates: Int
  /// Candidate features, `(prompts·candidates) × featureCount`, row `b·candidates + k`.
  public let features: Matrix<T>
  /// Normalized reference log-probs, `prompts × candidates`.
  public let referenceLogProbs: Matrix<T>
  /// Raw rewards, `prompts × candidates`.
  public let rewards: Matrix<T>
  /// Rewards of samples drawn from π_ref, `prompts × referenceSamples` (the calibration references).
  public let referenceRewards: Matrix<T>

  /// Generates a task.
  ///
  /// - Precondition: all sizes positive.
  public init(prompts: Int, candidates: Int, featureCount: Int = 8, referenceSamples: Int = 64, seed: UInt64) {
    precondition(prompts > 0 && candidates > 0 && featureCount > 0 && referenceSamples > 0,
                 "synthetic task sizes must be positive")
    var g = Xoshiro256StarStar(seed: seed)
    func normal() -> Double { Random.normal(using: &g) }
    let d = featureCount
    let w = (0..<d).map { _ in normal() / Double(d).squareRoot() }
    let v = (0..<d).map { _ in normal() / Double(d).squareRoot() }
    var features = Matrix<T>(rows: prompts * candidates, columns: d)
    var logits = Matrix<T>(rows: prompts, columns: candidates)
    var rewards = Matrix<T>(rows: prompts, columns: candidates)
    for b in 0..<prompts {
      let scale = Double.exp(1.5 * normal()), offset = 5 * normal()
      for k in 0..<candidates {
        var quality = 0.0, preference = 0.0
        for j in 0..<d {
          let x = normal()
          features[b * candidates + k, j] = T(x)
          quality += w[j] * x
          preference += v[j] * x
        }
        quality += 0.5 * normal()
        rewards[b, k] = T(scale * quality + offset)
        logits[b, k] = T(preference + 0.5 * normal())
      }
    }
    let referenceLogProbs = try! RowReductions.logSoftmax(logits)  // finite logits: cannot throw
    let draws = try! CategoricalSampling.sample(logits: referenceLogProbs, samplesPerRow: referenceSamples, using: &g)
    var referenceRewards = Matrix<T>(rows: prompts, columns: referenceSamples)
    for b in 0..<prompts {
      for s in 0..<referenceSamples { referenceRewards[b, s] = rewards[b, draws[b * referenceSamples + s]] }
    }
    self.prompts = prompts
    self.candidates = candidates
    self.features = features
    self.referenceLogProbs = referenceLogProbs
    self.rewards = rewards
    self.referenceRewards = referenceRewards
  }
}
