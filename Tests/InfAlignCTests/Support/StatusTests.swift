import InfAlignSolvers
import Testing

@testable import InfAlignC

@Suite struct StatusTests {
  @Test func everyLibraryErrorHasItsStatusAndKeepsItsMessage() {
    let cases: [(InfAlignError, Status)] = [
      (.parse(kind: "transform", text: "x", reason: "r"), .parse),
      (.invalidParameter(name: "beta", value: -1, reason: "r"), .invalidParameter),
      (.math(.noConvergence(method: "m", iterations: 3, estimate: 1, tolerance: 1e-9)), .math),
      (.nonFinite(field: "reward", prompt: 3, index: 1, value: .nan), .nonFinite),
      (.emptyReferences(prompt: 2, count: 0), .emptyReferences),
      (.shapeMismatch("shapes"), .shape),
    ]
    for (error, status) in cases {
      let code = abiCall("f") { throw error }
      #expect(code == status.rawValue)
      #expect(String(cString: infalign_last_error()) == error.description)
    }
    #expect(abiCall("f") { throw BoundaryError("x is NULL") } == Status.argument.rawValue)
    #expect(String(cString: infalign_last_error()) == "f: x is NULL")
    #expect(abiCall("f") {} == 0)
    #expect(infalign_abi_version() == 1)
  }

  @Test func theLastErrorIsPerThread() async {
    _ = abiCall("main") { throw BoundaryError("here") }
    await withTaskGroup(of: Void.self) { group in
      for i in 0..<8 {
        group.addTask {
          _ = abiCall("task") { throw BoundaryError("thread \(i)") }
          #expect(String(cString: infalign_last_error()).hasSuffix("thread \(i)"))
        }
      }
    }
  }
}
