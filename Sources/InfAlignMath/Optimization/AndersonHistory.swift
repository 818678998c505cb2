/// Anderson acceleration's memory for a fixed-point iteration `x ← G(x)` with residual `f = G(x) − x`: the last
/// `depth` differences of iterates and residuals (newest last), and the Gram matrix of the residual differences,
/// each inner product computed once (one new row per iterate, not the whole matrix).
///
/// The step is `x + αf − (ΔX + αΔF)γ`, with `γ` minimizing `‖f − ΔF·γ‖` through the normal equations with a tiny
/// ridge (`1e-12·trace`), solved by LAPACK's symmetric solver; when that fails it is the plain damped step `x + αf`.
///
/// - Complexity: O(depth·n) per iterate, plus an O(depth³) solve.
@usableFromInline package struct AndersonHistory {
  package let depth: Int
  private var dX: [[Double]] = [], dF: [[Double]] = []
  /// `gram[a][b] = dF[a]·dF[b]`.
  private var gram: [[Double]] = []
  private var last: (x: [Double], f: [Double])? = nil

  package init(depth: Int) {
    precondition(depth >= 1, "Anderson depth must be at least 1")
    self.depth = depth
  }

  /// Forgets the history (after a stall or divergence).
  package mutating func reset() {
    dX.removeAll()
    dF.removeAll()
    gram.removeAll()
    last = nil
  }

  /// Records the iterate `x` and its residual `f`, adding their differences from the previous iterate.
  package mutating func record(x: [Double], f: [Double]) {
    if let p = last {
      let n = x.count
      dX.append((0..<n).map { x[$0] - p.x[$0] })
      dF.append((0..<n).map { f[$0] - p.f[$0] })
      if dX.count > depth {
        dX.removeFirst()
        dF.removeFirst()
        gram.removeFirst()
        for a in gram.indices { gram[a].removeFirst() }
      }
      let newest = dF.count - 1
      var row = [Double](repeating: 0, count: dF.count)
      for a in 0..<dF.count { row[a] = BLAS.dot(dF[a], dF[newest]) }
      for a in 0..<newest { gram[a].append(row[a]) }
      gram.append(row)
    }
    last = (x, f)
  }

  /// The next iterate from the last recorded one: accelerated when `accelerate` and there is history.
  package func step(x: [Double], f: [Double], alpha: Double, accelerate: Bool) -> [Double] {
    let n = x.count
    var next = [Double](repeating: 0, count: n)
    for i in 0..<n { next[i] = x[i] + alpha * f[i] }
    let m = accelerate ? dF.count : 0
    guard m >= 1 else { return next }
    var g = Matrix<Double>(rows: m, columns: m), rhs = Matrix<Double>(rows: m, columns: 1)
    var trace = 0.0
    for a in 0..<m {
      for b in 0..<m { g[a, b] = gram[a][b] }
      trace += gram[a][a]
      rhs[a, 0] = BLAS.dot(dF[a], f)
    }
    for a in 0..<m { g[a, a] += 1e-12 * trace + 1e-300 }
    guard let gamma = try? LAPACK.solveSymmetric(g, rhs) else { return next }
    next.withUnsafeMutableBufferPointer { out in
      for j in 0..<m {
        let c = gamma[j, 0]
        dX[j].withUnsafeBufferPointer { px in
          dF[j].withUnsafeBufferPointer { pf in
            for i in 0..<n { out[i] -= c * (px[i] + alpha * pf[i]) }
          }
        }
      }
    }
    return next
  }
}
