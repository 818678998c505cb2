/// Exact k-subset statistics of one group (PKPO, arXiv 2505.15201), from one sort: the unbiased max@k of a group,
/// the per-sample mean of `max(K)` over the k-subsets `K` containing the sample, and leave-one-out versions.
///
/// With the group sorted ascending, `x₍₁₎ ≤ … ≤ x₍ₙ₎`, a k-subset's maximum is `x₍ₗ₎` for its highest position
/// `l`, and the number of k-subsets with highest position `l` is `C(l−1, k−1)`. So every statistic is a weighted
/// sum of the sorted values with binomial-ratio weights, each computed by a ratio recurrence from 1 downwards (no
/// factorials, no overflow, relative error O(n·ulp)). Ties need no care: tied samples have equal values, so which
/// of them is "the" maximum does not change any sum.
///
/// All functions work on `Double` rows, are allocation-free and O(n log n) (the sort) plus O(n).
enum CTRLSubsetEstimators {
  /// Sorts `order[0..<n]` (a permutation of `0..<n`) by `values`, ascending. Heapsort: in place, no allocation.
  static func argsort(_ values: UnsafePointer<Double>, _ order: UnsafeMutablePointer<Int>, _ n: Int) {
    for i in 0..<n { order[i] = i }
    if n < 2 { return }
    if n <= 24 {  // insertion sort for the usual group sizes
      for i in 1..<n {
        let item = order[i], key = values[item]
        var j = i
        while j > 0 && values[order[j - 1]] > key {
          order[j] = order[j - 1]
          j -= 1
        }
        order[j] = item
      }
      return
    }
    func swap(_ a: Int, _ b: Int) { (order[a], order[b]) = (order[b], order[a]) }
    func siftDown(_ start: Int, _ end: Int) {
      var root = start
      while 2 * root + 1 < end {
        var child = 2 * root + 1
        if child + 1 < end && values[order[child]] < values[order[child + 1]] { child += 1 }
        if values[order[root]] >= values[order[child]] { return }
        swap(root, child)
        root = child
      }
    }
    for start in stride(from: n / 2 - 1, through: 0, by: -1) { siftDown(start, n) }
    for end in stride(from: n - 1, to: 0, by: -1) {
      swap(0, end)
      siftDown(0, end)
    }
  }

  /// `w[l−1] = C(l−1, k−1) / C(m, k)` for `l = 1…n` with `k ≤ m`, `n ≤ m + 1`: the weight of the `l`-th smallest
  /// of `m` values in their unbiased max@k (for `n = m`), from `w(m) = k/m`… by `w(l−1) = w(l)·(l−k)/(l−1)`.
  /// Positions past `m` (only `l = m + 1`) are given `C(m, k−1)/C(m, k) = k/(m − k + 1)`.
  static func maxWeights(n: Int, m: Int, k: Int, into w: UnsafeMutablePointer<Double>) {
    guard n > 0 else { return }
    // Top weight at l = n: C(n−1, k−1)/C(m, k).
    var top: Double
    if n == m {
      top = Double(k) / Double(m)
    } else {  // n = m + 1
      top = Double(k) / Double(m - k + 1)
    }
    w[n - 1] = top
    var l = n
    while l > 1 {
      top = l - k > 0 ? top * Double(l - k) / Double(l - 1) : 0
      w[l - 2] = top
      l -= 1
    }
  }

  /// The unbiased max@k of the `n` sorted values `x` (mean of `max(K)` over all k-subsets), `1 ≤ k ≤ n`.
  static func maxAtK(sorted x: UnsafePointer<Double>, _ n: Int, k: Int, weights w: UnsafeMutablePointer<Double>)
    -> Double
  {
    maxWeights(n: n, m: n, k: k, into: w)
    var s = 0.0
    for l in 0..<n { s += w[l] * x[l] }
    return s
  }

  /// For each sorted position `p`, the mean of `max(K)` over the k-subsets `K` that contain position `p`:
  /// `m_p = [x_p·C(p−1, k−1) + Σ_{l>p} x_l·C(l−2, k−2)] / C(n−1, k−1)`, written to `out[p]`. `1 ≤ k ≤ n`.
  static func meanMaxContaining(
    sorted x: UnsafePointer<Double>, _ n: Int, k: Int, out: UnsafeMutablePointer<Double>,
    weights w: UnsafeMutablePointer<Double>
  ) {
    if n == 1 || k == 1 {
      for p in 0..<n { out[p] = x[p] }
      return
    }
    // a(p) = C(p−1, k−1)/C(n−1, k−1) = (n/k)·[C(p−1, k−1)/C(n, k)].
    maxWeights(n: n, m: n, k: k, into: w)
    let scale = Double(n) / Double(k)
    // b(l) = C(l−2, k−2)/C(n−1, k−1) = a(l−1) computed for (n−1 values, k−1): C(l−2,k−2)/C(n−1,k−1), l = 2…n.
    // Accumulate the suffix Σ_{l>p} x_l·b(l) from the top with its own recurrence b(l−1) = b(l)·(l−k)/(l−2).
    var b = Double(k - 1) / Double(n - 1)  // b(n)
    var suffix = 0.0
    var p = n - 1  // 0-based position of sorted index n
    out[p] = x[p] * (w[p] * scale)
    while p > 0 {
      // add term l = p + 1 (1-based) = position p (0-based) to the suffix of position p − 1
      suffix += x[p] * b
      let l = p + 1
      b = l - 2 > 0 ? b * Double(l - k) / Double(l - 2) : 0
      p -= 1
      out[p] = x[p] * (w[p] * scale) + suffix
    }
  }

  /// For each sorted position `p`, the unbiased max@k of the other `n − 1` values (`1 ≤ k ≤ n − 1`):
  /// `[Σ_{l<p} x_l·C(l−1, k−1) + Σ_{l>p} x_l·C(l−2, k−1)] / C(n−1, k)`, written to `out[p]`.
  static func maxAtKOfOthers(
    sorted x: UnsafePointer<Double>, _ n: Int, k: Int, out: UnsafeMutablePointer<Double>,
    weights u: UnsafeMutablePointer<Double>
  ) {
    // u(l) = C(l−1, k−1)/C(n−1, k) for l = 1…n (position n is past the n − 1 others: C(n−1,k−1)/C(n−1,k)).
    maxWeights(n: n, m: n - 1, k: k, into: u)
    // Prefix Σ_{l<p} x_l u(l), suffix Σ_{l>p} x_l u(l−1).
    var prefix = 0.0
    for p in 0..<n {
      out[p] = prefix
      prefix += x[p] * u[p]
    }
    var suffix = 0.0
    var p = n - 1
    while p >= 0 {
      out[p] += suffix
      if p >= 1 { suffix += x[p] * u[p - 1] }
      p -= 1
    }
  }
}
