import Foundation

/// Independent ports of the peers' advantage, KL and loss functions, written from their source in plain `Double`
/// loops over a token-level batch (`B × G × T`, row-major, with a mask), for comparison with the presets.
///
/// Sources: verl `b178a3c` `verl/trainer/ppo/core_algos.py` (compute_grpo_outcome_advantage L267–330,
/// compute_grpo_passk_outcome_advantage L361–419, compute_rloo_outcome_advantage L477–525, agg_loss L1025–1081,
/// compute_policy_loss_vanilla L1160–1250, kl_penalty L1841–1902) and `ray_trainer.py` apply_kl_penalty L70–110;
/// TRL `f2cd577` `trl/trainer/grpo_trainer.py` (advantages L2685–2730, `_compute_loss` L2990–3110) and
/// `rloo_trainer.py` (L1526–1561, L1685–1692); OpenRLHF 0.11.0 `3c3be62` `openrlhf/models/utils.py`
/// (compute_approx_kl, compute_reward), `openrlhf/models/loss.py` (PolicyLoss, aggregate_loss) and
/// `trainer/ppo_utils/experience_maker.py` (L264–306: baselines and get_cumulative_returns).
struct PeerBatch {
  var b: Int, g: Int, t: Int
  var rewards: [Double]
  var lp: [Double], ref: [Double], old: [Double]
  var mask: [Bool]

  func length(_ s: Int) -> Int { (0..<t).filter { mask[s * t + $0] }.count }
  func maskedSum(_ x: [Double], _ s: Int) -> Double { (0..<t).reduce(0) { mask[s * t + $1] ? $0 + x[s * t + $1] : $0 } }
}

enum PeerPorts {
  static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
  /// torch.std: Bessel's correction.
  static func std(_ x: [Double]) -> Double {
    let m = mean(x)
    return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
  }
  static func clamp(_ x: Double, _ lo: Double, _ hi: Double) -> Double { min(max(x, lo), hi) }

  // MARK: verl

  /// kl_penalty_forward (L1867–1902).
  static func verlKL(_ logprob: Double, _ refLogprob: Double, _ type: String) -> Double {
    switch type {
    case "k1": return logprob - refLogprob
    case "abs": return abs(logprob - refLogprob)
    case "k2": return 0.5 * (logprob - refLogprob) * (logprob - refLogprob)
    default:  // low_var_kl
      let kl = clamp(refLogprob - logprob, -20, 20)
      return clamp(exp(kl) - kl - 1, -10, 10)
    }
  }

  /// agg_loss (L1025–1081) on one process.
  static func verlAgg(_ loss: [Double], _ x: PeerBatch, _ mode: String) -> Double {
    let n = x.b * x.g
    switch mode {
    case "token-mean":
      let tokens = x.mask.filter { $0 }.count
      return (0..<n).reduce(0) { $0 + x.maskedSum(loss, $1) } / Double(tokens)
    case "seq-mean-token-sum":
      let seqs = (0..<n).filter { x.length($0) > 0 }
      return seqs.reduce(0) { $0 + x.maskedSum(loss, $1) } / Double(seqs.count)
    case "seq-mean-token-mean":
      let seqs = (0..<n).filter { x.length($0) > 0 }
      return seqs.reduce(0) { $0 + x.maskedSum(loss, $1) / (Double(x.length($1)) + 1e-8) } / Double(seqs.count)
    default:  // seq-mean-token-sum-norm
      return (0..<n).reduce(0) { $0 + x.maskedSum(loss, $1) } / Double(x.t)
    }
  }

  /// verl's advantage estimators on the scores `Σ_t token_level_rewards` (with apply_kl_penalty from old).
  static func verlAdvantages(_ x: PeerBatch, estimator: String, norm: Bool, klInReward: Double?) -> [Double] {
    let kld = zip(x.old, x.ref).map { verlKL($0, $1, "k1") }
    var scores = (0..<(x.b * x.g)).map { s -> Double in
      guard let beta = klInReward else { return x.rewards[s] }
      return x.rewards[s] - beta * x.maskedSum(kld, s)
    }
    var advantages = [Double](repeating: 0, count: scores.count)
    for group in 0..<x.b {
      let ids = Array((group * x.g)..<((group + 1) * x.g))
      let s = ids.map { scores[$0] }
      switch estimator {
      case "grpo":
        let (m, sd) = s.count == 1 ? (0.0, 1.0) : (mean(s), std(s))
        for i in ids { advantages[i] = norm ? (scores[i] - m) / (sd + 1e-6) : scores[i] - m }
      case "rloo":
        let n = Double(s.count), m = s.count == 1 ? 0 : mean(s)
        for i in ids { advantages[i] = s.count > 1 ? scores[i] * n / (n - 1) - m * n / (n - 1) : scores[i] }
      default:  // grpo_passk: topk(2)
        let sorted = ids.sorted { scores[$0] > scores[$1] }
        var a = scores[sorted[0]] - scores[sorted[1]]
        if norm { a /= std(s) + 1e-6 }
        advantages[sorted[0]] = a
      }
    }
    scores = advantages
    return scores
  }

  /// compute_policy_loss_vanilla per token (dual clip c = 3, clamp ±20), then agg_loss; plus use_kl_loss.
  static func verlLoss(_ x: PeerBatch, advantages: [Double], mode: String, klLoss: (Double, String)?) -> Double {
    var pg = [Double](repeating: 0, count: x.lp.count), kl = pg
    for s in 0..<(x.b * x.g) {
      let a = advantages[s]
      for t in 0..<x.t {
        let j = s * x.t + t
        let ratio = exp(clamp(x.lp[j] - x.old[j], -20, 20))
        let pg1 = -a * ratio, pg2 = -a * clamp(ratio, 0.8, 1.2)
        let clip1 = max(pg1, pg2)
        let clip2 = min(-a * 3, clip1)
        pg[j] = a < 0 ? clip2 : clip1
        if let (_, type) = klLoss { kl[j] = verlKL(x.lp[j], x.ref[j], type) }
      }
    }
    return verlAgg(pg, x, mode) + (klLoss.map { $0.0 * verlAgg(kl, x, mode) } ?? 0)
  }

  // MARK: TRL

  static func trlGRPOAdvantages(_ x: PeerBatch, scale: String) -> [Double] {
    let all = std(x.rewards)
    return (0..<(x.b * x.g)).map { s in
      let group = Array(x.rewards[(s / x.g * x.g)..<(s / x.g * x.g + x.g)])
      let a = x.rewards[s] - mean(group)
      switch scale {
      case "group": return a / ((x.g > 1 ? std(group) : 0) + 1e-4)
      case "batch": return a / (all + 1e-4)
      default: return a
      }
    }
  }

  static func trlGRPOLoss(
    _ x: PeerBatch, advantages: [Double], epsilon: Double = 0.2, epsilonHigh: Double = 0.2, delta: Double? = nil,
    beta: Double = 0, level: String = "token", lossType: String = "dapo"
  ) -> Double {
    var loss = [Double](repeating: 0, count: x.lp.count)
    for s in 0..<(x.b * x.g) {
      let seqLog = x.maskedSum(zip(x.lp, x.old).map { $0 - $1 }, s) / Double(max(x.length(s), 1))
      for t in 0..<x.t {
        let j = s * x.t + t
        var coef1 = exp(level == "token" ? x.lp[j] - x.old[j] : seqLog)
        let coef2 = clamp(coef1, 1 - epsilon, 1 + epsilonHigh)
        if let delta { coef1 = min(coef1, delta) }
        loss[j] = -min(coef1 * advantages[s], coef2 * advantages[s])
        if beta != 0 { loss[j] += beta * (exp(x.ref[j] - x.lp[j]) - (x.ref[j] - x.lp[j]) - 1) }
      }
    }
    let n = x.b * x.g
    switch lossType {
    case "grpo": return (0..<n).reduce(0) { $0 + x.maskedSum(loss, $1) / Double(max(x.length($1), 1)) } / Double(n)
    case "dr_grpo": return (0..<n).reduce(0) { $0 + x.maskedSum(loss, $1) } / Double(n * x.t)
    default:  // bnpo, dapo (one process)
      return (0..<n).reduce(0) { $0 + x.maskedSum(loss, $1) } / Double(max(x.mask.filter { $0 }.count, 1))
    }
  }

  static func trlRLOO(_ x: PeerBatch, beta: Double = 0.05, normalize: Bool = false) -> (advantages: [Double], loss: Double) {
    let n = x.b * x.g
    let rewards = (0..<n).map { s in x.rewards[s] - beta * x.maskedSum(zip(x.old, x.ref).map { $0 - $1 }, s) }
    var advantages = (0..<n).map { s -> Double in
      let group = rewards[(s / x.g * x.g)..<(s / x.g * x.g + x.g)]
      return rewards[s] - (group.reduce(0, +) - rewards[s]) / Double(x.g - 1)
    }
    if normalize {
      let (m, sd) = (mean(advantages), std(advantages))
      advantages = advantages.map { ($0 - m) / (sd + 1e-4) }
    }
    let loss = (0..<n).reduce(0.0) { sum, s in
      let coef1 = exp(x.maskedSum(x.lp, s) - x.maskedSum(x.old, s)), coef2 = clamp(coef1, 0.8, 1.2)
      return sum - min(coef1 * advantages[s], coef2 * advantages[s])
    } / Double(n)
    return (advantages, loss)
  }

  // MARK: OpenRLHF

  static func openRLHFKL(_ logProbs: Double, _ base: Double, _ estimator: String) -> Double {
    let r = logProbs - base
    switch estimator {
    case "k2": return clamp(r * r / 2, -10, 10)
    case "k3": return clamp(exp(-r) - 1 + r, -10, 10)
    default: return clamp(r, -10, 10)
    }
  }

  /// Baselines (L264–271), compute_reward + get_cumulative_returns (γ = 1), PolicyLoss (token-level mean).
  static func openRLHF(
    _ x: PeerBatch, estimator: String, klCoef: Double = 0.01, kl: String = "k1", dualClip: Double? = nil
  ) -> (baselined: [Double], loss: Double) {
    let n = x.b * x.g
    let baselined = (0..<n).map { s -> Double in
      let group = Array(x.rewards[(s / x.g * x.g)..<(s / x.g * x.g + x.g)])
      if estimator == "rloo" { return x.rewards[s] - (group.reduce(0, +) - x.rewards[s]) / Double(x.g - 1) }
      return (x.rewards[s] - mean(group)) / (std(group) + 1e-9)
    }
    var sum = 0.0, tokens = 0
    for s in 0..<n {
      let eos = (0..<x.t).last { x.mask[s * x.t + $0] }
      var returns = [Double](repeating: 0, count: x.t), running = 0.0
      for t in stride(from: x.t - 1, through: 0, by: -1) {
        let j = s * x.t + t
        var reward = -klCoef * openRLHFKL(x.old[j], x.ref[j], kl)
        if t == eos { reward += baselined[s] }
        running += x.mask[j] ? reward : 0
        returns[t] = running
      }
      for t in 0..<x.t where x.mask[s * x.t + t] {
        let j = s * x.t + t, a = returns[t]
        let ratio = exp(clamp(x.lp[j] - x.old[j], -20, 20))
        let surr1 = ratio * a, surr2 = clamp(ratio, 0.8, 1.2) * a
        let clip1 = min(surr1, surr2)
        sum += -(dualClip.map { a < 0 ? max(clip1, $0 * a) : clip1 } ?? clip1)
        tokens += 1
      }
    }
    return (baselined, sum / Double(tokens))
  }
}
