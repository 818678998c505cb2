import ArgumentParser
import InfAlignSolvers

/// `infalign analyze`: one (transform, β or KL, procedure) point.
struct AnalyzeCommand: RenderingCommand {
  static let configuration = CommandConfiguration(
    commandName: "analyze", abstract: "Analyze one point: β, KL, standard and inference-time win rate, log Z.")

  @OptionGroup var setting: SettingOptions

  @Option(help: ArgumentHelp("Transform of the calibrated reward: \(Transform.syntaxSummary), table:FILE."))
  var transform: String = "identity"

  @Option(parsing: .unconditional, help: "KL weight β (give exactly one of --beta and --kl).")
  var beta: Double?

  @Option(parsing: .unconditional, help: "KL budget: β is solved so that KL(π‖π_ref) equals it.")
  var kl: Double?

  @Option(help: "Output format: text, json or csv.")
  var format: OutputFormat = .text

  func validate() throws {
    if (beta == nil) == (kl == nil) { throw ValidationError("give exactly one of --beta and --kl") }
  }

  func execute(into output: inout some TextOutputStream) throws {
    let (procedure, reference) = try setting.parsed()
    let phi = try parseTransform(transform)
    let point: CalibratedPoint
    if let beta {
      point = try CalibratedSpace.analyze(transform: phi, beta: beta, procedure: procedure, reference: reference)
    } else {
      point = try CalibratedSpace.analyze(transform: phi, kl: kl!, procedure: procedure, reference: reference)
    }
    output.write(Render.rows([.point(point, transform: transform)], as: format))
  }
}
