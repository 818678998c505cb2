import RealModule

/// An optimizer that updates a flat parameter buffer in place to *increase* an objective, given its gradient
/// (``Adam``; `PolicyFit.fit` takes any).
public protocol AscentOptimizer {
  associatedtype Scalar: BLASScalar
  mutating func step(_ parameters: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeBufferPointer<Scalar>)
}

/// Adam (Kingma & Ba) with bias correction, for ascent: `θ ← θ + η·m̂/(√v̂ + ε)`.
public struct Adam<Scalar: BLASScalar>: AscentOptimizer {
  public var learningRate: Scalar
  public var beta1: Scalar
  public var beta2: Scalar
  public var epsilon: Scalar
  private var m: [Scalar] = []
  private var v: [Scalar] = []
  private var t = 0

  public init(learningRate: Scalar = 1e-2, beta1: Scalar = 0.9, beta2: Scalar = 0.999, epsilon: Scalar = 1e-12) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  public mutating func step(_ parameters: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeBufferPointer<Scalar>) {
    precondition(parameters.count == gradient.count, "parameters and gradient differ in length")
    if m.count != parameters.count {
      m = [Scalar](repeating: 0, count: parameters.count)
      v = m
    }
    t += 1
    let c1 = 1 - Scalar.pow(beta1, t), c2 = 1 - Scalar.pow(beta2, t)
    for i in parameters.indices {
      let g = gradient[i]
      m[i] = beta1 * m[i] + (1 - beta1) * g
      v[i] = beta2 * v[i] + (1 - beta2) * g * g
      parameters[i] += learningRate * (m[i] / c1) / ((v[i] / c2).squareRoot() + epsilon)
    }
  }
}
