/// A log-linear policy over each prompt's candidates (MATH.md §6): logits `ℓ_ref + X·θ_p` with candidate features
/// `X` (`(B·K) × d`, row `b·K + k`) and parameters `Θ` (`d × P`) whose columns are `P` independent configurations
/// (a sweep of β, of transforms, ...), all trained together.
///
/// Layout: the forward pass is one GEMM `Θᵀ·Xᵀ` into a `P × (B·K)` buffer, so configuration `p`'s logits for
/// prompt `b` are the contiguous run `[p, b·K ..< (b+1)·K]` and the row kernels normalize `P·B` rows of `K` in one
/// call; the backward pass is one GEMM `Xᵀ·Gᵀ` (`d × P`). Work buffers live in the value and are reused: repeated
/// ``evaluate(theta:gradient:)`` calls allocate nothing.
///
/// Objective of configuration `p`, averaged over prompts: `E_π[R̃] − β_p·KL(π ‖ π_ref)`; its gradient with respect
/// to the logits of prompt `b` is `π_k (A_k − Σ_j π_j A_j)`, `A_k = R̃_k − β_p(log π_k − ℓ_ref,k)`.
public struct LogLinearPolicy<T: BLASScalar>: Sendable {
  public let prompts: Int
  public let candidates: Int
  public let featureCount: Int
  public let configurations: Int
  public let features: Matrix<T>
  /// Normalized reference log-probs, `B × K`.
  public let referenceLogProbs: Matrix<T>
  public let rewards: Matrix<T>
  public let betas: [T]
  /// `P × (B·K)`: logits, then log π after ``evaluate(theta:gradient:)``.
  public private(set) var logPolicy: Matrix<T>
  private var gradientLogits: Matrix<T>
  /// The objective of each configuration from the last ``evaluate(theta:gradient:)``.
  public private(set) var objectives: [T]

  /// - Throws: ``InfAlignError/shapeMismatch(_:)`` for inconsistent shapes; ``InfAlignError/invalidParameter(name:value:reason:)``
  ///   for β ≤ 0.
  public init(features: Matrix<T>, referenceLogProbs: Matrix<T>, rewards: Matrix<T>, betas: [T]) throws(InfAlignError) {
    let (b, k) = (rewards.rows, rewards.columns)
    if referenceLogProbs.rows != b || referenceLogProbs.columns != k {
      throw .shapeMismatch("reference log-probs are \(referenceLogProbs.rows)×\(referenceLogProbs.columns), rewards \(b)×\(k)")
    }
    if features.rows != b * k {
      throw .shapeMismatch("features have \(features.rows) rows, expected prompts × candidates = \(b * k)")
    }
    if betas.isEmpty { throw .shapeMismatch("give at least one configuration (β)") }
    for (p, beta) in betas.enumerated() where !(beta > 0 && beta.isFinite) {
      throw .invalidParameter(name: "beta", value: Double(beta), reason: "β of configuration \(p) must be positive")
    }
    self.prompts = b
    self.candidates = k
    self.featureCount = features.columns
    self.configurations = betas.count
    self.features = features
    self.referenceLogProbs = try TiltedPolicy.normalized(referenceLogProbs)
    self.rewards = rewards
    self.betas = betas
    self.logPolicy = Matrix(rows: betas.count, columns: b * k)
    self.gradientLogits = Matrix(rows: betas.count, columns: b * k)
    self.objectives = [T](repeating: 0, count: betas.count)
  }

  /// Forward and backward pass: returns the objective of each configuration and writes `∂J/∂Θ` (`d × P`) into
  /// `gradient`.
  ///
  /// The returned array is the stored ``objectives``: the call allocates nothing unless the caller still holds the
  /// array returned by the previous call.
  ///
  /// - Complexity: two GEMMs of `(B·K)·d·P` multiply-adds, plus O(P·B·K) row work.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public mutating func evaluate(theta: Matrix<T>, gradient: inout Matrix<T>) throws(InfAlignError) -> [T] {
    precondition(theta.rows == featureCount && theta.columns == configurations,
                 "Θ must be \(featureCount)×\(configurations), got \(theta.rows)×\(theta.columns)")
    precondition(gradient.rows == featureCount && gradient.columns == configurations, "gradient must be shaped like Θ")
    let n = prompts * candidates, k = candidates
    BLAS.gemm(theta, features, transA: .transpose, transB: .transpose, into: &logPolicy)
    let reference = referenceLogProbs
    logPolicy.withUnsafeMutableBufferPointer { l in
      reference.withUnsafeBufferPointer { r in
        for p in 0..<configurations { for j in 0..<n { l[p * n + j] += r[j] } }
      }
    }
    do {
      try logPolicy.withUnsafeMutableBufferPointer { (l) throws(MathError) in
        try RowReductions.logSoftmax(UnsafeBufferPointer(l), rows: configurations * prompts, columns: k, into: l)
      }
    } catch {
      throw .math(error)
    }
    var objectives: [T] = []
    swap(&objectives, &self.objectives)  // keeps the buffer uniquely referenced while it is written
    let inverseB = 1 / T(prompts)
    let rewards = self.rewards, betas = self.betas
    let logPolicy = self.logPolicy
    gradientLogits.withUnsafeMutableBufferPointer { g in
      logPolicy.withUnsafeBufferPointer { l in
        reference.withUnsafeBufferPointer { ref in
          rewards.withUnsafeBufferPointer { r in
            for p in 0..<configurations {
              let beta = betas[p]
              var total: T = 0
              for b in 0..<prompts {
                var mean: T = 0
                for c in 0..<k {
                  let j = b * k + c, lp = l[p * n + j]
                  let pi = T.exp(lp)
                  let a = pi > 0 ? r[j] - beta * (lp - ref[j]) : 0
                  g[p * n + j] = a
                  mean += pi * a
                }
                total += mean
                for c in 0..<k {
                  let j = b * k + c
                  g[p * n + j] = T.exp(l[p * n + j]) * (g[p * n + j] - mean) * inverseB
                }
              }
              objectives[p] = total * inverseB
            }
          }
        }
      }
    }
    self.objectives = objectives
    BLAS.gemm(features, gradientLogits, transA: .transpose, transB: .transpose, into: &gradient)
    return self.objectives
  }
}
