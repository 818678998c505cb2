import RealModule

/// The end-to-end experiment of the paper's claim, on a seeded ``SyntheticTask``: at matched KL budgets, align the
/// reference policy over each prompt's candidates with
/// - `raw`: the raw reward,
/// - `calibrated`: the calibrated reward (identity transform),
/// - `ctrl-exp`: CTRL with the parametric transform tuned in calibrated space for the procedure (`exp:t` for
///   best-of-N, `negexp:t` for worst-of-N),
/// - `ctrl-optimal`: CTRL with the optimal transform for the procedure (when a solver is supplied),
///
/// and report each aligned policy's exact standard and inference-time win rates against the reference.
///
/// Every method uses the exact KL-RL optimum over the candidates, `π ∝ π_ref·exp(R̃/β)` (MATH.md §6), with one β
/// per method and budget chosen so that the KL averaged over prompts equals the budget. Win rates are exact over
/// the candidate sets, with the true (raw) rewards ranking candidates.
public enum AlignmentExperiment {
  /// Settings of the experiment.
  public struct Configuration: Sendable {
    public var prompts = 256
    /// Candidates per prompt; KL budgets should stay well below `log(candidates)`, the most a policy over the
    /// candidates can spend.
    public var candidates = 512
    public var referenceSamples = 512
    public var featureCount = 8
    /// KL budgets; the optimal transform must stay resolvable on its grid (KL ≲ 2–3 for N = 4 at 1024 points).
    public var klBudgets: [Double] = [0.5, 1, 2]
    public var procedures: [Procedure] = [try! .bestOf(4), try! .worstOf(4)]
    public var seed: UInt64 = 1

    public init() {}
  }

  /// One (method, procedure, KL budget) result.
  public struct Row: Sendable, Equatable {
    public var method: String
    public var procedure: String
    public var transform: String
    public var kl: Double
    public var beta: Double
    public var winRate: Double
    public var standardWinRate: Double
  }

  /// Finds the optimal transform of a procedure at a KL budget (calibrated space), for `ctrl-optimal`.
  public typealias OptimalTransformSolver = @Sendable (_ procedure: Procedure, _ kl: Double) throws -> Transform

  /// Runs the experiment.
  ///
  /// - Parameters:
  ///   - configuration: the task's size, the KL budgets, the procedures and the seed.
  ///   - optimal: the optimal-transform solver; without it the `ctrl-optimal` rows are omitted.
  ///   - progress: called with a short label (procedure, KL budget, method) after each row is computed.
  /// - Throws: ``InfAlignError`` from calibration, tuning or the β solves.
  public static func run(
    _ configuration: Configuration, optimal: OptimalTransformSolver? = nil,
    progress: ((String) -> Void)? = nil
  ) throws -> [Row] {
    let c = configuration
    let task = SyntheticTask<Double>(
      prompts: c.prompts, candidates: c.candidates, featureCount: c.featureCount,
      referenceSamples: c.referenceSamples, seed: c.seed)
    let table = try CalibrationTable(references: task.referenceRewards)
    let calibrated = try table.calibrate(task.rewards, options: .init(smoothing: true))
    var rows: [Row] = []
    for procedure in c.procedures {
      for budget in c.klBudgets {
        var methods: [(String, String, Matrix<Double>)] = [
          ("raw", "raw reward", task.rewards), ("calibrated", "identity", calibrated),
        ]
        let tuned = try ParametricTuning.tune(
          family: procedure.suitedFamily, kl: budget, procedure: procedure)
        methods.append(("ctrl-exp", tuned.point.transform.description, apply(tuned.point.transform, to: calibrated)))
        if let optimal {
          let phi = try optimal(procedure, budget)
          methods.append(("ctrl-optimal", "optimal", apply(phi, to: calibrated)))
        }
        for (method, transform, reward) in methods {
          let beta = try TiltedPolicy.betaForBatch(
            forMeanKL: budget, referenceLogProbs: task.referenceLogProbs, rewards: reward)
          let policy = try TiltedPolicy.logPolicy(
            referenceLogProbs: task.referenceLogProbs, rewards: reward, betas: [beta])
          let kls = try TiltedPolicy.kl(logPolicy: policy, referenceLogProbs: task.referenceLogProbs)
          let kl = kls.reduce(0, +) / Double(kls.count)
          let (w, standard) = try DiscreteWinRate.mean(
            logPolicy: policy, referenceLogProbs: task.referenceLogProbs, rewards: task.rewards,
            procedure: procedure)
          rows.append(Row(method: method, procedure: procedure.description, transform: transform, kl: kl, beta: beta,
                          winRate: w, standardWinRate: standard))
          progress?("\(procedure) KL \(budget) \(method)")
        }
      }
    }
    return rows
  }

  static func apply(_ phi: Transform, to m: Matrix<Double>) -> Matrix<Double> {
    var out = m
    out.withUnsafeMutableBufferPointer { phi.apply(to: $0) }
    return out
  }
}
