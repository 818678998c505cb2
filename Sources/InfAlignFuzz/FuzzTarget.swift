import Glibc
import InfAlignC
import InfAlignInput
import InfAlignSolvers

/// What the fuzzer feeds its bytes to: the command line's reward-file readers, the text forms users type and the
/// C ABI's CTRL step and calibration over shapes.
/// Each target checks the promises of docs/RELIABILITY.md on what it accepted (a batch's invariants, a spec's
/// round trip through its description) and that every rejection is a one-line message; a broken promise, like a
/// crash or a trap, ends the run with `fatalError`, which libFuzzer records as a crash with the input that
/// caused it.
enum FuzzTarget: String, CaseIterable {
  /// `PromptReader` over the bytes as a `.jsonl` file (simdjson), as `calibrate` and `winrate` read it.
  case jsonl
  /// `PromptReader` over the bytes as a `.csv` file.
  case csv
  /// `CTRLInput` (`infalign ctrl`'s whole-batch reader) over the bytes as a `.jsonl` file.
  case ctrl
  /// `Procedure(parsing:)`: `standard`, `bon:N`, `won:N`, `order:K:N`, mixtures.
  case procedure
  /// `Transform(parsing:)`: `identity`, `exp:t`, `log`, `logit:none`, ...
  case transform
  /// `Transform.tabulated(csv:)` (a `table:FILE` transform's text), then the calibrated-space analysis of what
  /// it accepts at β = 1 for best-of-4.
  case table
  /// The C ABI's CTRL options: `preset` or `key=value` through `infalign_ctrl_options_set`, then validation.
  case ctrlOption = "ctrl-option"
  /// The C ABI's CTRL step and calibration over shapes, offsets, options and values decoded from the bytes
  /// (``ShapeFuzz``): a status and a one-line message, never a trap; finite outputs on success.
  case ctrlShapes = "ctrl-shapes"

  /// Runs the target over one input; returns normally when every promise held.
  func run(_ bytes: UnsafeRawBufferPointer) {
    switch self {
    case .jsonl: FuzzFile.shared.readPrompts(bytes, suffix: ".jsonl")
    case .csv: FuzzFile.shared.readPrompts(bytes, suffix: ".csv")
    case .ctrl: FuzzFile.shared.readCTRL(bytes)
    case .procedure: Self.procedure(String(decoding: bytes, as: UTF8.self))
    case .transform: Self.transform(String(decoding: bytes, as: UTF8.self))
    case .table: Self.table(String(decoding: bytes, as: UTF8.self))
    case .ctrlOption: Self.ctrlOption(Array(bytes))
    case .ctrlShapes:
      if case let .failure(failure) = ShapeFuzz.run(bytes) {
        fatalError(failure.description)
      }
    }
  }

  /// A rejection's message must be one line (a multi-line error breaks the command line's one-line promise).
  static func checkOneLine(_ message: String, _ what: String) {
    if message.contains("\n") || message.contains("\r") { fatalError("\(what): a multi-line error: \(message)") }
  }

  private static func procedure(_ text: String) {
    do {
      let parsed = try Procedure(parsing: text)
      guard let again = try? Procedure(parsing: parsed.description), again == parsed else {
        fatalError("procedure \(text) parses to \(parsed), whose description does not parse back to it")
      }
    } catch {
      checkOneLine("\(error)", "procedure")
    }
  }

  private static func transform(_ text: String) {
    // `table:FILE` reads a file: not a text form to fuzz.
    if text.hasPrefix("table:") { return }
    do {
      let parsed = try Transform(parsing: text)
      guard let again = try? Transform(parsing: parsed.description), again.description == parsed.description else {
        fatalError("transform \(text) parses to \(parsed), whose description does not parse back to it")
      }
    } catch {
      checkOneLine("\(error)", "transform")
    }
  }

  /// An accepted table is finite on [0, 1], the same through the scalar and the batched path, and its analysis
  /// is in range (win rates in [0, 1], KL ≥ 0, finite log Z) or a one-line typed error.
  private static func table(_ text: String) {
    let parsed: Transform
    do { parsed = try Transform.tabulated(csv: text, source: "fuzz") } catch {
      checkOneLine("\(error)", "table")
      return
    }
    var us: [Double] = [0, 1e-300, 0.25, 0.5, 0.75, 1 - 0x1p-53, 1]
    let scalar = us.map { parsed.apply($0) }
    us.withUnsafeMutableBufferPointer { parsed.apply(to: $0) }
    guard scalar.allSatisfy(\.isFinite), scalar.map(\.bitPattern) == us.map(\.bitPattern) else {
      fatalError("table \(text): values \(scalar) (batched \(us)) not finite or not the same")
    }
    do {
      let p = try CalibratedSpace.analyze(transform: parsed, beta: 1, procedure: .bestOf(4))
      let rates = [p.winRate, p.standardWinRate]
      guard rates.allSatisfy({ $0 >= 0 && $0 <= 1 }), p.kl >= 0, p.kl.isFinite, p.logZ.isFinite else {
        fatalError("table \(text): analysis out of range: \(p)")
      }
    } catch {
      checkOneLine("\(error)", "table analysis")
    }
  }

  /// `key=value` sets one option on a fresh option set (a text without `=` names a preset), then validates.
  private static func ctrlOption(_ bytes: [UInt8]) {
    // C strings end at the first NUL: cut there, as a C caller's string would.
    let text = bytes.prefix { $0 != 0 }
    var options: OpaquePointer? = nil
    guard infalign_ctrl_options_create(&options) == 0 else { fatalError("infalign_ctrl_options_create failed") }
    defer { _ = infalign_ctrl_options_free(options) }
    if let equals = text.firstIndex(of: UInt8(ascii: "=")) {
      let key = Array(text[..<equals]) + [0], value = Array(text[(equals + 1)...]) + [0]
      let status = key.withUnsafeBufferPointer { k in
        value.withUnsafeBufferPointer { v in
          k.withMemoryRebound(to: CChar.self) { k in
            v.withMemoryRebound(to: CChar.self) { v in infalign_ctrl_options_set(options, k.baseAddress, v.baseAddress) }
          }
        }
      }
      if status != 0 { checkOneLine(String(cString: infalign_last_error()), "ctrl option") }
      if infalign_ctrl_options_validate(options) != 0 {
        checkOneLine(String(cString: infalign_last_error()), "ctrl option validation")
      }
    } else {
      do { _ = try CTRLPreset.named(String(decoding: text, as: UTF8.self)) } catch {
        checkOneLine("\(error)", "preset")
      }
    }
  }
}
