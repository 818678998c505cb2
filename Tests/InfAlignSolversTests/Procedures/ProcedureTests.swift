import Foundation
import InfAlignSolvers
import RealModule
import Testing

private let eps = Double.ulpOfOne

/// `|got − want| ≤ tolerance·|want|`, or both zero; prints the values on failure.
private func expectRelative(
  _ got: Double, _ want: Double, _ tolerance: Double, _ what: @autoclosure () -> String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let ok = got == want || abs(got - want) <= tolerance * abs(want)
  #expect(ok, "\(what()): got \(got), want \(want), relative error \(abs(got - want) / abs(want))",
    sourceLocation: sourceLocation)
}

/// A sample of procedures of every kind, used by the property tests.
private func sampleProcedures() throws -> [Procedure] {
  var result: [Procedure] = [.standard]
  for n in [1, 2, 3, 8, 64, 256, 1000] {
    result.append(try .bestOf(n))
    result.append(try .worstOf(n))
    for k in Set([1, 2, (n + 1) / 2, n]) where k <= n { result.append(try .orderStatistic(k, of: n)) }
  }
  result.append(try .mixture([(0.5, .bestOf(4)), (0.5, .standard)]))
  result.append(try .mixture([(0.2, .worstOf(16)), (0.3, .orderStatistic(3, of: 7)), (0.5, .bestOf(2))]))
  return result
}

@Suite struct ProcedureTests {
  @Test func closedFormsAgainstNaiveFormulas() throws {
    let grid = stride(from: 0.0, through: 1.0, by: 1.0 / 64).map { $0 }
    for F in grid {
      #expect(Procedure.standard.value(F) == F)
      #expect(Procedure.standard.derivative(F) == 1)
      for n in [1, 2, 3, 5, 10] {
        var power = 1.0, powerMinusOne = 1.0, complement = 1.0, complementMinusOne = 1.0
        for i in 0..<n {
          power *= F
          complement *= 1 - F
          if i < n - 1 {
            powerMinusOne *= F
            complementMinusOne *= 1 - F
          }
        }
        let bon = try Procedure.bestOf(n), won = try Procedure.worstOf(n)
        expectRelative(bon.value(F), power, 8 * eps, "bon:\(n) at \(F)")
        expectRelative(bon.derivative(F), Double(n) * powerMinusOne, 8 * eps, "bon:\(n)' at \(F)")
        // 1 − (1 − F)^N directly is fine away from F = 0 (the grid's smallest positive F is 1/64).
        expectRelative(won.value(F), 1 - complement, 64 * eps, "won:\(n) at \(F)")
        expectRelative(won.derivative(F), Double(n) * complementMinusOne, 8 * eps, "won:\(n)' at \(F)")
      }
    }
  }

  @Test func endpointsAreExact() throws {
    for p in try sampleProcedures() {
      #expect(p.value(0) == 0, "\(p)")
      #expect(p.value(1) == 1, "\(p)")
      #expect(p.value(-0.5) == 0 && p.value(1.5) == 1, "\(p) clamps F into [0, 1]")
      #expect(p.value(.nan).isNaN && p.derivative(.nan).isNaN && p.logDerivative(.nan).isNaN, "\(p)")
    }
    for n in [1, 2, 5, 256] {
      #expect(try Procedure.bestOf(n).derivative(1) == Double(n))
      #expect(try Procedure.bestOf(n).derivative(0) == (n == 1 ? 1 : 0))
      #expect(try Procedure.worstOf(n).derivative(0) == Double(n))
      #expect(try Procedure.worstOf(n).derivative(1) == (n == 1 ? 1 : 0))
      #expect(try Procedure.orderStatistic(1, of: n).derivative(0) == Double(n))
      #expect(try Procedure.orderStatistic(n, of: n).derivative(1) == Double(n))
      if n > 2 {
        #expect(try Procedure.orderStatistic(2, of: n).derivative(0) == 0)
        #expect(try Procedure.orderStatistic(2, of: n).derivative(1) == 0)
      }
    }
  }

  @Test func monotoneAndInUnitInterval() throws {
    let grid = (0...2000).map { Double($0) / 2000 } + (1...300).map { Double.pow(10, -Double($0)) }
    let sorted = grid.sorted()
    for p in try sampleProcedures() {
      var previous = 0.0
      for F in sorted {
        let g = p.value(F)
        #expect(g >= previous && g <= 1, "\(p) at \(F): \(g) after \(previous)")
        #expect(p.derivative(F) >= 0, "\(p)' at \(F)")
        previous = g
      }
    }
  }

  @Test func derivativesMatchCentralDifferences() throws {
    let points = [0.013, 0.1, 0.27, 0.5, 0.61, 0.9, 0.987]
    for p in try sampleProcedures() {
      for F in points {
        let h = 1e-6 * Swift.min(F, 1 - F)
        let difference = (p.value(F + h) - p.value(F - h)) / (2 * h)
        let exact = p.derivative(F)
        // Central difference: truncation O(h²·g‴), rounding O(ε·g/h); skip derivatives too small to difference.
        if exact > 1e-6 && exact * h > 1e-12 * p.value(F) {
          expectRelative(difference, exact, 1e-5, "\(p)' at \(F) vs central difference")
        }
        let log = p.logDerivative(F)
        if exact > 1e-300 {
          #expect(abs(log - Double.log(exact)) <= 1e-13 * Swift.max(1, abs(log)), "\(p) log g' at \(F)")
        }
      }
    }
  }

  @Test func logDerivativeDoesNotUnderflow() throws {
    // g'(F) underflows for these, its logarithm does not: compare with the closed forms of log g'.
    let n = 100_000
    expectRelative(try Procedure.bestOf(n).logDerivative(0.5), Double.log(Double(n)) + Double(n - 1) * Double.log(0.5),
      4 * eps, "log bon'")
    expectRelative(try Procedure.worstOf(n).logDerivative(0.5), Double.log(Double(n)) + Double(n - 1) * Double.log(0.5),
      4 * eps, "log won'")
    // order statistic k = N is best-of-N: the same closed form.
    expectRelative(try Procedure.orderStatistic(n, of: n).logDerivative(0.5),
      Double.log(Double(n)) + Double(n - 1) * Double.log(0.5), 4 * eps, "log order'")
    #expect(try Procedure.bestOf(n).derivative(0.5) == 0)
    #expect(try Procedure.bestOf(3).logDerivative(0) == -.infinity)
    #expect(try Procedure.orderStatistic(3, of: 7).logDerivative(1) == -.infinity)
  }

  @Test func orderStatisticExtremesEqualBestAndWorstOfN() throws {
    var rng = TestRNG(7)
    var points = [1e-300, 1e-100, 1e-12, 1e-6, 1e-3, 0.5, 1 - 1e-3, 1 - 1e-9, 1 - 1e-15, 1.0.nextDown]
    for _ in 0..<20 { points.append(rng.uniform()) }
    for n in [1, 2, 7, 64, 256, 1000, 100_000] {
      let bon = try Procedure.bestOf(n), won = try Procedure.worstOf(n)
      let top = try Procedure.orderStatistic(n, of: n), bottom = try Procedure.orderStatistic(1, of: n)
      for F in points {
        // Allowed error: a few ulps times the condition number F·g'/g (the sensitivity to a rounding of F).
        let condBest = Double(n), condWorst = F * won.derivative(F) / Swift.max(won.value(F), .leastNormalMagnitude)
        if bon.value(F) >= .leastNormalMagnitude {
          expectRelative(top.value(F), bon.value(F), 16 * eps * (1 + condBest), "order:\(n):\(n) vs bon at \(F)")
        }
        if bon.derivative(F) >= .leastNormalMagnitude {
          expectRelative(top.derivative(F), bon.derivative(F), 16 * eps * (1 + condBest), "order:\(n):\(n)' at \(F)")
        }
        expectRelative(bottom.value(F), won.value(F), 16 * eps * (1 + condWorst), "order:1:\(n) vs won at \(F)")
        let condWorstDerivative = Double(n) * F / (1 - F)
        if won.derivative(F) >= .leastNormalMagnitude {
          expectRelative(bottom.derivative(F), won.derivative(F), 16 * eps * (1 + condWorstDerivative),
            "order:1:\(n)' at \(F)")
        }
      }
    }
  }

  @Test func orderStatisticMatchesHighPrecisionGoldenValues() throws {
    for (k, n, F, g, derivative) in orderStatisticGoldenValues {
      let p = try Procedure.orderStatistic(k, of: n)
      // Allowed error: a few ulps times the condition numbers F·g'/g and |d log g'/d log F|.
      let cond = g > 0 ? F * derivative / g : 0
      let condDerivative = abs(Double(k - 1) - Double(n - k) * F / (1 - F))
      if g >= 1e-300 {
        expectRelative(p.value(F), g, 32 * eps * (1 + cond), "order:\(k):\(n) at \(F)")
      } else {
        #expect(p.value(F) <= 1e-300, "order:\(k):\(n) at \(F) underflows")
      }
      if derivative >= 1e-300 {
        expectRelative(p.derivative(F), derivative, 32 * eps * (1 + condDerivative), "order:\(k):\(n)' at \(F)")
        let log = Double.log(derivative)
        #expect(abs(p.logDerivative(F) - log) <= 32 * eps * Swift.max(1, abs(log)), "log order:\(k):\(n)' at \(F)")
      } else {
        #expect(p.derivative(F) <= 1e-300, "order:\(k):\(n)' at \(F) underflows")
      }
    }
  }

  @Test func largeNSymmetricMedian() throws {
    // For even N and F = ½, P(X ≥ N/2) = (1 + P(X = N/2))/2, and g'(½) = N·P(Bin(N−1, ½) = N/2 − 1) = N·P(X = N/2)
    // (since C(N−1, N/2−1)/2^(N−1) = C(N, N/2)/2^N). P(X = N/2) for N = 10⁶ by mpmath:
    // python3 -c "from mpmath import *; mp.dps=40; print(nstr(binomial(10**6,5*10**5)/mpf(2)**(10**6),25))"
    let central = 0.0007978843613317500890872456
    // The sum runs over about 4,500 terms from a ratio recurrence: allow 64 ulps (the condition number F·g'/g is
    // about 800 here, so this is still far below the sensitivity to a rounding of F).
    let p = try Procedure.orderStatistic(500_000, of: 1_000_000)
    expectRelative(p.value(0.5), (1 + central) / 2, 64 * eps, "median of 10^6")
    expectRelative(p.derivative(0.5), 1e6 * central, 64 * eps, "median of 10^6, derivative")
  }

  @Test func worstOfNForTinyFAndBestOfNNearOne() throws {
    // Series with no cancellation: 1 − (1−F)^N = NF − C(N,2)F² + C(N,3)F³ − …, and for F = 1 − δ,
    // F^N = 1 − Nδ + C(N,2)δ² − C(N,3)δ³ + …; four terms are exact to Double precision for Nδ ≤ 1e-4.
    for n in [2, 17, 256, 1_000_000] {
      let nd = Double(n)
      let c2 = nd * (nd - 1) / 2, c3 = c2 * (nd - 2) / 3, c4 = c3 * (nd - 3) / 4
      for x in [1e-300, 1e-200, 1e-15, 1e-12, 1e-11] where nd * x <= 1e-4 {
        let won = try Procedure.worstOf(n)
        let series = ((((-c4 * x) + c3) * x - c2) * x + nd) * x
        expectRelative(won.value(x), series, 4 * eps, "won:\(n) at \(x)")
        expectRelative(try Procedure.orderStatistic(1, of: n).value(x), series, 8 * eps, "order:1:\(n) at \(x)")
        // F = 1 − δ with δ a power of two, so that F is exact (δ ≥ 2⁻⁵³).
        let delta = Double(sign: .plus, exponent: x.exponent, significand: 1)
        if delta < 0x1p-53 { continue }
        let bon = try Procedure.bestOf(n)
        let oneMinus = (((c4 * delta - c3) * delta + c2) * delta - nd) * delta
        expectRelative(bon.value(1 - delta) - 1, oneMinus, 1e-4, "bon:\(n) at 1 − \(delta)")
        expectRelative(bon.value(1 - delta), 1 + oneMinus, 2 * eps, "bon:\(n) at 1 − \(delta)")
      }
    }
  }

  @Test func mixtures() throws {
    let parts: [(weight: Double, procedure: Procedure)] = [
      (0.2, try .worstOf(16)), (0.3, try .orderStatistic(3, of: 7)), (0.5, try .bestOf(2)),
    ]
    let mix = try Procedure.mixture(parts)
    for F in [0.0, 1e-9, 0.1, 0.4, 0.75, 0.999, 1.0] {
      let value = parts.reduce(0) { $0 + $1.weight * $1.procedure.value(F) }
      let derivative = parts.reduce(0) { $0 + $1.weight * $1.procedure.derivative(F) }
      expectRelative(mix.value(F), value, 4 * eps, "mix at \(F)")
      expectRelative(mix.derivative(F), derivative, 4 * eps, "mix' at \(F)")
      #expect(abs(mix.logDerivative(F) - Double.log(derivative)) <= 4 * eps * Swift.max(1, abs(Double.log(derivative))))
    }
    // Nested mixtures are flattened, weights multiplied.
    let nested = try Procedure.mixture([(0.5, mix), (0.5, .standard)])
    guard case let .mixture(components) = nested.kind else { Issue.record("not a mixture"); return }
    #expect(components.map(\.weight) == [0.1, 0.15, 0.25, 0.5])
    #expect(components.map(\.procedure) == [try .worstOf(16), try .orderStatistic(3, of: 7), try .bestOf(2), .standard])
    // Weights: 0.1 + 0.2 + 0.7 is not exactly 1 in Double, but within tolerance; g(1) is still exactly 1.
    let inexact = try Procedure.mixture([(0.1, .standard), (0.2, try .bestOf(3)), (0.7, try .worstOf(3))])
    #expect(inexact.value(1) == 1 && inexact.value(0) == 0)
  }

  @Test func invalidParametersThrow() {
    #expect(throws: InfAlignError.invalidParameter(name: "N", value: 0, reason: "must be in 1...1000000")) {
      try Procedure.bestOf(0)
    }
    #expect(throws: InfAlignError.self) { try Procedure.worstOf(1_000_001) }
    #expect(throws: InfAlignError.self) { try Procedure.worstOf(-2) }
    #expect(throws: InfAlignError.invalidParameter(name: "k", value: 0, reason: "must be in 1...N = 5")) {
      try Procedure.orderStatistic(0, of: 5)
    }
    #expect(throws: InfAlignError.self) { try Procedure.orderStatistic(6, of: 5) }
    #expect(throws: InfAlignError.self) { try Procedure.mixture([]) }
    #expect(throws: InfAlignError.self) { try Procedure.mixture([(0.5, .standard), (0.6, .standard)]) }
    #expect(throws: InfAlignError.self) { try Procedure.mixture([(1.5, .standard), (-0.5, .standard)]) }
    #expect(throws: InfAlignError.self) { try Procedure.mixture([(.nan, .standard)]) }
    do {
      _ = try Procedure.mixture([(0.5, .standard), (0.4, .standard)])
      Issue.record("no error")
    } catch {
      #expect(error.description.contains("0.9"), "\(error)")
    }
  }

  @Test func textRoundTrips() throws {
    var rng = TestRNG(11)
    var procedures = try sampleProcedures()
    procedures.append(try .mixture([(1, .bestOf(4))]))
    for _ in 0..<20 {
      let w = rng.uniform()
      procedures.append(try .mixture([(w, .bestOf(1 + rng.int(0..<300))), (1 - w, .orderStatistic(2, of: 9))]))
    }
    for p in procedures {
      let parsed = try Procedure(parsing: p.description)
      #expect(parsed == p, "\(p) → \(parsed)")
      #expect(parsed.description == p.description)
    }
    #expect(try Procedure(parsing: "standard") == .standard)
    #expect(try Procedure(parsing: " bon:4 ") == .bestOf(4))
    #expect(try Procedure(parsing: "won : 16").description == "won:16")
    #expect(try Procedure(parsing: "order:3:7") == .orderStatistic(3, of: 7))
    #expect(try Procedure(parsing: "mix:0.5*bon:4+0.5*standard").description == "mix:0.5*bon:4+0.5*standard")
    #expect(try Procedure(parsing: "mix: 0.25 * won:2 + 0.75 * order:1:3") ==
      .mixture([(0.25, .worstOf(2)), (0.75, .orderStatistic(1, of: 3))]))
    #expect(try Procedure(parsing: "mix:1e+0*bon:2") == .mixture([(1, .bestOf(2))]))
    #expect(try Procedure(parsing: "mix:5E-1*bon:2+5e-1*won:2") == .mixture([(0.5, .bestOf(2)), (0.5, .worstOf(2))]))
  }

  @Test(arguments: [
    "", "best:4", "bon", "bon:", "bon:0", "bon:-3", "bon:4.5", "bon:1000001", "bon:4:5", "won:x", "standard:1",
    "order:3", "order:3:2", "order:0:2", "order:a:2", "mix", " mix ", "mix:", "mix:0.5*bon:4", "mix:bon:4",
    "mix:0.5*bon:4+0.6*standard", "mix:0.5*bon:4+0.5*mix:1*bon:2", "mix:x*bon:2", "mix:1*zap:2",
  ])
  func parseErrorsNameTheText(_ text: String) {
    expectParseError(kind: "procedure", text) { (t) throws(InfAlignError) in try Procedure(parsing: t) }
  }

  @Test func parseErrorQuotesTheConstraint() {
    let reason = "invalid N = 0: must be in 1...1000000"
    #expect(throws: InfAlignError.parse(kind: "procedure", text: "bon:0", reason: reason)) {
      try Procedure(parsing: "bon:0")
    }
  }

  @Test func winRateIntegralMatchesClosedForm() throws {
    // MATH.md §3: the best-of-M policy f(u) = M·u^(M−1), F(u) = u^M, has best-of-N vs best-of-N win rate M/(M+1)
    // for every N, and best-of-N vs standard N·M/(N·M + 1). Integrate W_T = ∫ g_ref(u)·g'(F(u))·f(u) du by Simpson.
    func winRate(_ policy: Procedure, vs reference: Procedure, m: Int) -> Double {
      let intervals = 8000
      let h = 1.0 / Double(intervals)
      var sum = 0.0
      for i in 0...intervals {
        let u = Double(i) * h
        let weight = (i == 0 || i == intervals) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0)
        let f = Double(m) * Double.pow(u, m - 1)
        sum += weight * reference.value(u) * policy.derivative(Double.pow(u, m)) * f
      }
      return sum * h / 3
    }
    for m in [1, 3] {
      for n in [1, 2, 4, 8] {
        let md = Double(m), nd = Double(n)
        expectRelative(
          winRate(try .bestOf(n), vs: try .bestOf(n), m: m), md / (md + 1), 1e-10, "bon:\(n), M=\(m)")
        expectRelative(winRate(try .bestOf(n), vs: .standard, m: m),
          nd * md / (nd * md + 1), 1e-10, "bon:\(n) vs standard, M=\(m)")
      }
    }
  }
}

/// The vectorized `g'` at eight points equals the scalar one lane by lane (bit for bit: the same power by squaring
/// for best-of-N and worst-of-N up to N = 64, the scalar path otherwise), and best-of-N's power agrees with
/// `exp((N−1)·log1p(−S))` near F = 1 to a few ulp per unit of N.
@Test(arguments: ["standard", "bon:1", "bon:4", "bon:64", "bon:65", "won:8", "won:64", "won:200", "order:3:7",
                  "mix:0.5*bon:4+0.5*won:4"])
func vectorDerivativesEqualScalar(_ text: String) throws {
  let p = try Procedure(parsing: text)
  let F = SIMD8<Double>(0, 1e-300, 1e-9, 0.3, 0.5, 0.7, 1 - 1e-9, 1)
  let S = SIMD8<Double>(1, 1, 1 - 1e-9, 0.7, 0.5, 0.3, 1e-9, 0)
  let v = p.derivatives(cdf: F, survival: S)
  for q in 0..<8 { #expect(v[q] == p.derivative(cdf: F[q], survival: S[q]), "\(text) lane \(q)") }
  if case let .bestOf(n) = p.kind, n > 1 {
    let f = 1 - 1e-9, s = 1e-9
    let viaLog = Double(n) * exp(Double(n - 1) * log1p(-s))
    #expect(abs(p.derivative(cdf: f, survival: s) - viaLog) <= Double(n) * 4e-16 * viaLog)
  }
}
