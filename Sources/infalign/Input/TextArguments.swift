import ArgumentParser
import Foundation
import InfAlignSolvers

/// Parses a procedure's text form (`standard`, `bon:N`, `won:N`, ...).
func parseProcedure(_ text: String, option: String = "--procedure") throws -> Procedure {
  do { return try Procedure(parsing: text) } catch { throw CLIError("\(option): \(error)") }
}

/// Parses a transform's text form; `table:FILE` reads a CSV of `u,R` rows.
func parseTransform(_ text: String, option: String = "--transform") throws -> Transform {
  if text.hasPrefix("table:") {
    let path = String(text.dropFirst("table:".count))
    guard let csv = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw CLIError("\(option): cannot read transform table file \(path)")
    }
    do { return try Transform.tabulated(csv: csv, source: path) } catch { throw CLIError("\(option): \(path): \(error)") }
  }
  do { return try Transform(parsing: text) } catch { throw CLIError("\(option): \(error)") }
}

/// Shared options of the calibrated-space commands.
struct SettingOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Inference-time procedure of the policy: \(Procedure.syntaxSummary)."))
  var procedure: String = "standard"

  @Option(help: "Procedure of the reference side (default: the same as --procedure).")
  var referenceProcedure: String?

  func parsed() throws -> (Procedure, Procedure) {
    let p = try parseProcedure(procedure)
    let r = try referenceProcedure.map { try parseProcedure($0, option: "--reference-procedure") } ?? p
    return (p, r)
  }
}

extension Row {
  /// The standard keys of a calibrated-space point. β comes in three forms: `beta` itself (printed `e^LOGBETA`
  /// where it exceeds `Double`, as for `exp:5000` at a KL budget), `log_beta` (always a finite number) and
  /// `beta_scaled`, the transform's scaled weight β̃ = β·e^{−logScale} (for `exp:t`, β·e^{−t}, the weight of
  /// e^{t(u−1)} giving the same policy; β itself for every other transform). The two new keys come last so
  /// existing column positions stay.
  static func point(_ p: CalibratedPoint, transform: String? = nil) -> Row {
    var row: Row = [
      ("procedure", .string(p.procedure.description)),
      ("transform", .string(transform ?? p.transform.description)),
      // β past Double's range (exp:t with large t at a moderate scaled weight) is printed as e^(log β).
      ("beta", p.beta.isFinite ? .number(p.beta) : .string("e^\(p.logBeta)")), ("kl", .number(p.kl)), ("win_rate", .number(p.winRate)),
      ("standard_win_rate", .number(p.standardWinRate)), ("log_z", .number(p.logZ)),
      ("log_beta", .number(p.logBeta)), ("beta_scaled", .number(p.scaledBeta)),
    ]
    if p.referenceProcedure != p.procedure { row.insert(("reference_procedure", .string(p.referenceProcedure.description)), at: 1) }
    return row
  }
}

/// The files named by `table:FILE` transforms, so an output can refuse to overwrite them.
enum TransformFile {
  static func paths(in specs: [String]) -> [String] {
    specs.filter { $0.hasPrefix("table:") }.map { String($0.dropFirst("table:".count)) }
  }
}
