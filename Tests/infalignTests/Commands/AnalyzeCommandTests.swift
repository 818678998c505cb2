import Foundation
import InfAlignSolvers
import Testing
@testable import infalign

@Test func analyzePrintsTheLibraryNumbers() throws {
  let json = try run(["analyze", "--procedure", "bon:4", "--transform", "exp:3", "--beta", "0.5", "--format", "json"])
  let row = try #require(jsonLines(json).first)
  let expected = try CalibratedSpace.analyze(transform: .exponential(rate: 3), beta: 0.5, procedure: .bestOf(4))
  #expect(row["procedure"] as? String == "bon:4" && row["transform"] as? String == "exp:3")
  #expect(rawNumber(json, "beta") == 0.5)
  #expect(rawNumber(json, "kl") == expected.kl && rawNumber(json, "win_rate") == expected.winRate)
  #expect(rawNumber(json, "standard_win_rate") == expected.standardWinRate && rawNumber(json, "log_z") == expected.logZ)
  let csv = try run(["analyze", "--transform", "identity", "--kl", "0.5", "--format", "csv"])
  let lines = csv.split(separator: "\n")
  #expect(lines.first == "procedure,transform,beta,kl,win_rate,standard_win_rate,log_z,log_beta,beta_scaled" && lines.count == 2)
  let kl = Double(lines[1].split(separator: ",")[3])!
  #expect(abs(kl - 0.5) < 1e-9)
  let text = try run(["analyze", "--procedure", "won:2", "--reference-procedure", "standard", "--transform", "negexp:1", "--beta", "1"])
  #expect(text.contains("reference_procedure") && text.contains("won:2") && text.contains("standard"))
}

/// β in both forms: `log_beta` and the scaled weight `beta_scaled` are numbers even where β itself exceeds
/// `Double` (`exp:5000` at a KL budget), and equal the library's.
@Test func analyzeReportsBetaInBothForms() throws {
  let json = try run(["analyze", "--procedure", "bon:4", "--transform", "exp:3", "--beta", "0.5", "--format", "json"])
  let point = try CalibratedSpace.analyze(transform: .exponential(rate: 3), beta: 0.5, procedure: .bestOf(4))
  #expect(rawNumber(json, "log_beta") == point.logBeta && rawNumber(json, "beta_scaled") == point.scaledBeta)
  #expect(abs(point.scaledBeta - 0.5 * exp(-3)) <= 1e-15 * point.scaledBeta)
  let identity = try run(["analyze", "--transform", "identity", "--beta", "0.25", "--format", "json"])
  #expect(rawNumber(identity, "beta_scaled") == 0.25 && rawNumber(identity, "log_beta") == log(0.25))
  let far = try run(["analyze", "--procedure", "bon:32", "--transform", "exp:5000", "--kl", "4", "--format", "json"])
  let row = try #require(jsonLines(far).first)
  let logBeta = try #require(rawNumber(far, "log_beta")), scaled = try #require(rawNumber(far, "beta_scaled"))
  #expect((row["beta"] as? String)?.hasPrefix("e^") == true, "β past Double prints as e^LOGBETA")
  #expect(logBeta > 709 && scaled.isFinite && scaled > 0)
  #expect(abs(log(scaled) + 5000 - logBeta) <= 1e-12 * logBeta)
  let text = try run(["analyze", "--procedure", "bon:32", "--transform", "exp:5000", "--kl", "4"])
  #expect(text.contains("log_beta") && text.contains("beta_scaled"))
}

@Test func analyzeRejectsBadInputWithClearMessages() {
  #expect(throws: (any Error).self) { try run(["analyze", "--procedure", "bon:0", "--beta", "1"]) }
  do {
    _ = try run(["analyze", "--procedure", "bon:0", "--beta", "1"])
  } catch {
    #expect("\(error)".contains("bon:0"))
  }
  do {
    _ = try run(["analyze", "--transform", "sqrt", "--beta", "1"])
  } catch {
    #expect("\(error)".contains("sqrt"))
  }
  do {
    _ = try run(["analyze", "--beta=-1"])
  } catch {
    #expect("\(error)".contains("-1"))
  }
  #expect(throws: (any Error).self) { try run(["analyze", "--beta", "1", "--kl", "1"]) }
  do {
    _ = try run(["analyze", "--transform", "identity", "--kl", "1e6"])
    Issue.record("expected an unreachable KL budget error")
  } catch {
    #expect("\(error)".contains("out of reach"))
  }
}
