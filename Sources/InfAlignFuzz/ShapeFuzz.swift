import InfAlignC

/// The `ctrl-shapes` target: the C ABI's CTRL step (`infalign_ctrl_step_*`, `infalign_ctrl_step_tokens_*`) and
/// calibration (`infalign_calibrate_*`, `infalign_calibrate_ragged_*`, `infalign_table_*`) over shapes, offsets,
/// options and values decoded from the bytes: groups 0...64, group size 0...16, max tokens 0...16, tables with more
/// or fewer prompts than groups, option words and presets (k above the group size included), NaN/inf/huge values,
/// masks of 0/1 (and now and then another byte, which the ABI rejects), NULL optional outputs. Buffers are sized as
/// the shape says (the ABI cannot check lengths it is not told), so AddressSanitizer sees any read past them.
///
/// The promise: every call returns a status; a failure has a non-empty one-line `infalign_last_error()`; on status 0
/// every output written is finite (outputs start as NaN, so one left unwritten shows), calibrated values lie in
/// [0, 1] and `valid` bytes are 0 or 1. The same decoder runs under libFuzzer (`make fuzz`) and, from seeded
/// random bytes, in `swift test` (Tests/InfAlignCTests/ShapeFuzzTests.swift).
package enum ShapeFuzz {
  /// What one input did.
  package enum Outcome: Equatable {
    /// The entry point that ran and its status.
    case ran(entry: Entry, status: Int32)
  }

  package enum Entry: String, CaseIterable, Sendable {
    case step, stepTokens = "step-tokens", calibrate, calibrateRagged = "calibrate-ragged", table
  }

  /// Runs one input; returns the outcome, or a description of the broken promise.
  package static func run(_ bytes: UnsafeRawBufferPointer) -> Result<Outcome, Failure> {
    var r = FuzzBytes(bytes)
    let entry = Entry.allCases[r.below(Entry.allCases.count)]
    let float = r.bit()
    do {
      let status: Int32
      switch entry {
      case .step, .stepTokens:
        let shape = r.stepShape(tokens: entry == .stepTokens)
        status = float ? try step(Float.self, shape, &r) : try step(Double.self, shape, &r)
      case .calibrate: status = float ? try calibrate(Float.self, &r) : try calibrate(Double.self, &r)
      case .calibrateRagged: status = float ? try calibrateRagged(Float.self, &r) : try calibrateRagged(Double.self, &r)
      case .table: status = float ? try table(Float.self, &r) : try table(Double.self, &r)
      }
      return .success(.ran(entry: entry, status: status))
    } catch {
      return .failure(error)
    }
  }

  package struct Failure: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
  }

  // MARK: - Checks

  /// A non-zero status must come with a one-line non-empty message.
  static func checkStatus(_ status: Int32, _ what: String) throws(Failure) {
    if status == 0 { return }
    let message = String(cString: infalign_last_error())
    if message.isEmpty { throw Failure("\(what): status \(status) with an empty message") }
    if message.contains("\n") || message.contains("\r") { throw Failure("\(what): a multi-line message: \(message)") }
  }

  /// The first `count` (default: all) elements of `buffer` are finite (and in [0, 1] for `unit`).
  static func checkFinite<T: ShapeScalar>(
    _ buffer: Buffer<T>?, _ name: String, _ what: String, unit: Bool = false, count: Int? = nil
  ) throws(Failure) {
    guard let buffer else { return }
    for i in 0..<min(count ?? buffer.count, buffer.count) {
      let v = buffer.pointer[i]
      if !v.isFinite || (unit && !(v >= 0 && v <= 1)) {
        throw Failure("\(what): status 0 but \(name)[\(i)] = \(v)\(unit ? " (expected in [0, 1])" : "")")
      }
    }
  }

  // MARK: - The CTRL step

  struct StepShape {
    var groups: Int, groupSize: Int, maxTokens: Int
  }

  static func step<T: ShapeScalar>(_: T.Type, _ shape: StepShape, _ r: inout FuzzBytes) throws(Failure) -> Int32 {
    let what = "\(T.name) ctrl step\(r.tokensEntry ? "_tokens" : "") \(shape.groups)×\(shape.groupSize)×\(shape.maxTokens)"
    var options: OpaquePointer? = nil
    guard infalign_ctrl_options_create(&options) == 0 else { throw Failure("infalign_ctrl_options_create failed") }
    defer { _ = infalign_ctrl_options_free(options) }
    var settings: [String] = []
    for _ in 0..<r.below(5) {
      let (key, value) = r.option(groupSize: shape.groupSize)
      settings.append("\(key)=\(value)")
      try checkStatus(infalign_ctrl_options_set(options, key, value), "\(what): option \(key)=\(value)")
    }
    let described = "\(what) [\(settings.joined(separator: " "))]"
    // A reference table for 1 in 3 steps: as many prompts as groups, or more, or fewer; sometimes the other type.
    var table: OpaquePointer? = nil
    defer { _ = infalign_table_free(table) }
    if r.below(3) == 0 {
      let prompts = r.bit() ? shape.groups : r.below(9)
      if r.below(8) == 0 {
        table = try T.Other.makeTable(prompts: prompts, &r, described)
      } else {
        table = try T.makeTable(prompts: prompts, &r, described)
      }
    }
    let n = shape.groups * shape.groupSize, tokens = n * shape.maxTokens
    // Every choice first, then the values (which may run past the bytes into the generated tail).
    let poison = r.below(4) == 0, hasOld = r.bit(), hasMask = r.tokensEntry && r.bit(), badMask = r.below(16) == 0
    // Required outputs NULL now and then (an argument error when the shape is not empty).
    let nullAdvantages = r.below(32) == 0, nullGradient = r.below(32) == 0
    let wants = (0..<7).map { _ in r.bit() }  // calibrated, transformed, k1, k2, k3, valid, summary
    let rewards = Buffer<T>(n) { _ in T(r.value(poison: poison)) }
    let policy = Buffer<T>(tokens) { _ in T(r.logProb(poison: poison)) }
    let reference = Buffer<T>(tokens) { _ in T(r.logProb(poison: poison)) }
    let old: Buffer<T>? = hasOld ? Buffer<T>(tokens) { _ in T(r.logProb(poison: poison)) } : nil
    // The rollout entry point (TIS/IcePop) for one token-level step in three, with or without rollout log-probs.
    let rolloutEntry = r.tokensEntry && r.below(3) == 0, hasRollout = rolloutEntry && r.below(4) != 0
    let rollout: Buffer<T>? = hasRollout ? Buffer<T>(tokens) { _ in T(r.logProb(poison: poison)) } : nil
    let mask: Buffer<UInt8>? = hasMask
      ? Buffer<UInt8>(tokens) { _ in badMask && r.below(8) == 0 ? 2 + r.byte() % 254 : r.byte() % 4 == 0 ? 0 : 1 } : nil
    let advantages = nullAdvantages ? nil : Buffer<T>(n, nan: true)
    let gradient = nullGradient ? nil : Buffer<T>(tokens, nan: true)
    let calibrated = wants[0] ? Buffer<T>(n, nan: true) : nil, transformed = wants[1] ? Buffer<T>(n, nan: true) : nil
    let k1 = wants[2] ? Buffer<T>(tokens, nan: true) : nil, k2 = wants[3] ? Buffer<T>(tokens, nan: true) : nil
    let k3 = wants[4] ? Buffer<T>(tokens, nan: true) : nil
    let valid = wants[5] ? Buffer<UInt8>(n) { _ in 0xAA } : nil
    let summary = wants[6] ? Buffer<Double>(8, nan: true) : nil
    let status: Int32
    if rolloutEntry {
      status = T.stepRollout(
        options, table, Int64(shape.groups), Int64(shape.groupSize), Int64(shape.maxTokens), rewards.pointer,
        policy.pointer, reference.pointer, old?.pointer, rollout?.pointer, mask?.pointer, advantages?.pointer,
        gradient?.pointer, calibrated?.pointer, transformed?.pointer, k1?.pointer, k2?.pointer, k3?.pointer,
        valid?.pointer, summary.map { UnsafeMutableRawPointer($0.pointer) })
    } else if r.tokensEntry {
      status = T.stepTokens(
        options, table, Int64(shape.groups), Int64(shape.groupSize), Int64(shape.maxTokens), rewards.pointer,
        policy.pointer, reference.pointer, old?.pointer, mask?.pointer, advantages?.pointer, gradient?.pointer,
        calibrated?.pointer, transformed?.pointer, k1?.pointer, k2?.pointer, k3?.pointer, valid?.pointer,
        summary.map { UnsafeMutableRawPointer($0.pointer) })
    } else {
      status = T.step(
        options, table, Int64(shape.groups), Int64(shape.groupSize), rewards.pointer, policy.pointer,
        reference.pointer, old?.pointer, advantages?.pointer, gradient?.pointer, calibrated?.pointer,
        transformed?.pointer, k1?.pointer, k2?.pointer, k3?.pointer, valid?.pointer,
        summary.map { UnsafeMutableRawPointer($0.pointer) })
    }
    try checkStatus(status, described)
    withExtendedLifetime((rewards, policy, reference, old, rollout, mask)) {}
    guard status == 0 else { return status }
    try checkFinite(advantages, "advantages", described)
    try checkFinite(gradient, "loss_gradient", described)
    try checkFinite(calibrated, "calibrated", described)
    try checkFinite(transformed, "transformed", described)
    try checkFinite(k1, "k1", described)
    try checkFinite(k2, "k2", described)
    try checkFinite(k3, "k3", described)
    if let valid, let i = (0..<n).first(where: { valid.pointer[$0] > 1 }) {
      throw Failure("\(described): status 0 but valid[\(i)] = \(valid.pointer[i])")
    }
    if let summary {
      // loss, mean_k1, mean_k2, mean_k3, clipped_fraction, masked_count (int64), policy_loss, kl_loss.
      let names = ["loss", "mean_k1", "mean_k2", "mean_k3", "clipped_fraction", "masked_count", "policy_loss", "kl_loss"]
      for i in 0..<8 where i != 5 && !summary.pointer[i].isFinite {
        throw Failure("\(described): status 0 but summary.\(names[i]) = \(summary.pointer[i])")
      }
      let masked = UnsafeRawPointer(summary.pointer).load(fromByteOffset: 40, as: Int64.self)
      if masked < 0 || masked > n { throw Failure("\(described): status 0 but summary.masked_count = \(masked) of \(n)") }
    }
    return status
  }

  // MARK: - Calibration

  static func calibrate<T: ShapeScalar>(_: T.Type, _ r: inout FuzzBytes) throws(Failure) -> Int32 {
    let prompts = r.size(64), referenceColumns = r.size(16), rewardColumns = r.size(16)
    let flags = r.flags(), poison = r.below(4) == 0, inPlace = r.bit()
    let what = "\(T.name) calibrate \(prompts)×\(referenceColumns) vs ×\(rewardColumns) flags \(flags)"
    let references = Buffer<T>(prompts * referenceColumns) { _ in T(r.value(poison: poison)) }
    let rewards = Buffer<T>(prompts * rewardColumns) { _ in T(r.value(poison: poison)) }
    let out = inPlace ? rewards : Buffer<T>(prompts * rewardColumns, nan: true)
    let status = T.calibrate(references.pointer, Int64(referenceColumns), rewards.pointer, Int64(rewardColumns),
                             Int64(prompts), flags, out.pointer)
    try checkStatus(status, what)
    withExtendedLifetime(references) {}
    if status == 0 { try checkFinite(out, "out", what, unit: true) }
    return status
  }

  static func calibrateRagged<T: ShapeScalar>(_: T.Type, _ r: inout FuzzBytes) throws(Failure) -> Int32 {
    let prompts = r.size(64), flags = r.flags(), poison = r.below(4) == 0, inPlace = r.bit()
    let referenceOffsets = r.offsets(prompts), rewardOffsets = r.offsets(prompts)
    let what = "\(T.name) calibrate_ragged \(prompts) prompts flags \(flags)"
    let references = Buffer<T>(referenceOffsets.span) { _ in T(r.value(poison: poison)) }
    let rewards = Buffer<T>(rewardOffsets.span) { _ in T(r.value(poison: poison)) }
    let out = inPlace ? rewards : Buffer<T>(rewardOffsets.span, nan: true)
    let status = T.calibrateRagged(references.pointer, referenceOffsets.pointer, rewards.pointer,
                                   rewardOffsets.pointer, Int64(prompts), flags, out.pointer)
    try checkStatus(status, what)
    withExtendedLifetime((references, referenceOffsets, rewardOffsets)) {}
    if status == 0 { try checkFinite(out, "out", what, unit: true) }
    return status
  }

  /// A table (dense or ragged), its prompt count, then dense or ragged rewards against it (sometimes of the other
  /// element type, sometimes with a prompt count the table does not have).
  static func table<T: ShapeScalar>(_: T.Type, _ r: inout FuzzBytes) throws(Failure) -> Int32 {
    let prompts = r.size(64)
    let what = "\(T.name) table \(prompts) prompts"
    guard let table = try T.makeTable(prompts: prompts, &r, what) else { return 1 }
    defer { _ = infalign_table_free(table) }
    var count: Int64 = -1
    try checkStatus(infalign_table_prompts(table, &count), what + ": prompts")
    if count != Int64(prompts) { throw Failure("\(what): infalign_table_prompts says \(count)") }
    return r.below(8) == 0
      ? try T.Other.calibrateAgainst(table, prompts: prompts, &r, what + " (other type)")
      : try T.calibrateAgainst(table, prompts: prompts, &r, what)
  }
}
