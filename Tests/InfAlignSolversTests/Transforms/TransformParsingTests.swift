import InfAlignSolvers
import RealModule
import Testing

/// The text form of transforms (Transform+Parsing.swift): round trips, errors naming the text.
@Suite struct TransformParsingTests {
  @Test func textRoundTrips() throws {
    var rng = TestRNG(3)
    var transforms: [Transform] = [.identity, try .log(), try .logit(), try .log(epsilon: 0), try .logit(epsilon: 0)]
    for _ in 0..<50 {
      let x = rng.uniform()
      transforms += [
        try .exponential(rate: 10 * x), try .negativeExponential(rate: x * 1e-3), try .power(x + 1e-300),
        try .log(epsilon: x * 1e-4), try .logit(epsilon: x / 3),
      ]
    }
    for transform in transforms {
      let parsed = try Transform(parsing: transform.description)
      #expect(parsed.description == transform.description)
      // Same parameters, bit for bit: same values everywhere.
      for u in [0.0, 1e-7, 0.3, 0.999, 1.0] {
        #expect(parsed.value(u).bitPattern == transform.value(u).bitPattern, "\(transform) at \(u)")
      }
    }
    #expect(try Transform(parsing: "exp:2").description == "exp:2.0")
    #expect(try Transform(parsing: " power : 0.5 ").description == "power:0.5")
    #expect(try Transform(parsing: "log").description == "log")
    #expect(try Transform(parsing: "log:1e-6").description == "log")
    #expect(try Transform(parsing: "log:0").description == "log:none")
    #expect(try Transform(parsing: "logit:none").description == "logit:none")
    #expect(try Transform(parsing: "logit:0.001").description == "logit:0.001")
    #expect(try Transform(parsing: "negexp:3").value(0.5) == -Double.exp(-1.5))
    #expect(Transform.custom(name: "my-phi") { $0 }.description == "my-phi")
    #expect(try Transform.tabulated(grid: [0, 1], values: [0, 1]).description == "table(2 points)")
    #expect(try Transform.tabulated(grid: [0, 1], values: [0, 1], source: "phi.csv").description == "table:phi.csv")
  }

  @Test(arguments: [
    "", "expo:3", "exp", "exp:", "exp:abc", "exp:-1", "exp:nan", "negexp:inf", "power:0", "power", "identity:3",
    "log:2", "log:abc", "logit:0.5", "table:phi.csv", "optimal", "Identity", "my-phi",
  ])
  func parseErrorsNameTheText(_ text: String) {
    expectParseError(kind: "transform", text) { (t) throws(InfAlignError) in try Transform(parsing: t) }
  }

  @Test func parseErrorQuotesTheConstraint() {
    let reason = "invalid rate t = -1: must be finite and >= 0"
    #expect(throws: InfAlignError.parse(kind: "transform", text: "exp:-1", reason: reason)) {
      try Transform(parsing: "exp:-1")
    }
  }
}
