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

// MARK: - Element types

/// `Float` and `Double` with their C entry points.
protocol ShapeScalar: BinaryFloatingPoint {
  associatedtype Other: ShapeScalar
  typealias In = UnsafePointer<Self>?
  typealias Out = UnsafeMutablePointer<Self>?
  typealias OffsetsIn = UnsafePointer<Int64>?
  typealias Handle = UnsafeMutablePointer<OpaquePointer?>?
  typealias Step = (OpaquePointer?, OpaquePointer?, Int64, Int64, In, In, In, In, Out, Out, Out, Out, Out, Out, Out,
                    UnsafeMutablePointer<UInt8>?, UnsafeMutableRawPointer?) -> Int32
  typealias StepTokens = (OpaquePointer?, OpaquePointer?, Int64, Int64, Int64, In, In, In, In, UnsafePointer<UInt8>?,
                          Out, Out, Out, Out, Out, Out, Out, UnsafeMutablePointer<UInt8>?, UnsafeMutableRawPointer?) -> Int32
  typealias StepRollout = (OpaquePointer?, OpaquePointer?, Int64, Int64, Int64, In, In, In, In, In,
                           UnsafePointer<UInt8>?, Out, Out, Out, Out, Out, Out, Out, UnsafeMutablePointer<UInt8>?,
                           UnsafeMutableRawPointer?) -> Int32
  static var name: String { get }
  static var step: Step { get }
  static var stepTokens: StepTokens { get }
  static var stepRollout: StepRollout { get }
  static var calibrate: (In, Int64, In, Int64, Int64, Int32, Out) -> Int32 { get }
  static var calibrateRagged: (In, OffsetsIn, In, OffsetsIn, Int64, Int32, Out) -> Int32 { get }
  static var tableCreate: (In, Int64, Int64, Handle) -> Int32 { get }
  static var tableCreateRagged: (In, OffsetsIn, Int64, Handle) -> Int32 { get }
  static var tableCalibrate: (OpaquePointer?, In, Int64, Int32, Out) -> Int32 { get }
  static var tableCalibrateRagged: (OpaquePointer?, In, OffsetsIn, Int32, Out) -> Int32 { get }
}

extension ShapeScalar {
  /// A table of `prompts` prompts, dense or ragged (NULL when the ABI refused it, which is checked).
  static func makeTable(prompts: Int, _ r: inout FuzzBytes, _ what: String) throws(ShapeFuzz.Failure) -> OpaquePointer? {
    var table: OpaquePointer? = nil
    let poison = r.below(6) == 0
    let status: Int32
    if r.bit() {
      let columns = r.size(8)
      let references = Buffer<Self>(prompts * columns) { _ in Self(r.value(poison: poison)) }
      status = tableCreate(references.pointer, Int64(prompts), Int64(columns), &table)
      withExtendedLifetime(references) {}
    } else {
      let offsets = r.offsets(prompts)
      let references = Buffer<Self>(offsets.span) { _ in Self(r.value(poison: poison)) }
      status = tableCreateRagged(references.pointer, offsets.pointer, Int64(prompts), &table)
      withExtendedLifetime((references, offsets)) {}
    }
    try ShapeFuzz.checkStatus(status, "\(what): \(name) table of \(prompts) prompts")
    if (status == 0) != (table != nil) { throw ShapeFuzz.Failure("\(what): table status \(status) with handle \(String(describing: table))") }
    return table
  }

  /// Dense or ragged rewards of `prompts` prompts (now and then one more or one fewer) against `table`.
  static func calibrateAgainst(_ table: OpaquePointer, prompts tablePrompts: Int, _ r: inout FuzzBytes, _ what: String)
    throws(ShapeFuzz.Failure) -> Int32
  {
    let prompts = r.below(8) == 0 ? max(0, tablePrompts + (r.bit() ? 1 : -1)) : tablePrompts
    let flags = r.flags(), poison = r.below(4) == 0, inPlace = r.bit()
    let status: Int32, out: Buffer<Self>, written: Int
    if r.bit() {
      // Dense: the table's prompts × columns (a wrong prompt count cannot be told to the dense call).
      let columns = r.size(16)
      let rewards = Buffer<Self>(tablePrompts * columns) { _ in Self(r.value(poison: poison)) }
      out = inPlace ? rewards : Buffer<Self>(tablePrompts * columns, nan: true)
      status = tableCalibrate(table, rewards.pointer, Int64(columns), flags, out.pointer)
      written = tablePrompts * columns
      withExtendedLifetime(rewards) {}
    } else {
      // Ragged: offsets for `prompts` prompts, but the ABI reads the table's prompts + 1: give at least that many.
      let offsets = r.offsets(prompts, atLeast: tablePrompts)
      let rewards = Buffer<Self>(offsets.span) { _ in Self(r.value(poison: poison)) }
      out = inPlace ? rewards : Buffer<Self>(offsets.span, nan: true)
      status = tableCalibrateRagged(table, rewards.pointer, offsets.pointer, flags, out.pointer)
      // The call is told the table's prompts only: it writes up to offsets[table prompts].
      written = Int(offsets.pointer[tablePrompts])
      withExtendedLifetime((rewards, offsets)) {}
    }
    let described = "\(what): \(name) rewards, flags \(flags)"
    try ShapeFuzz.checkStatus(status, described)
    if status == 0 { try ShapeFuzz.checkFinite(out, "out", described, unit: true, count: written) }
    return status
  }
}

extension Double: ShapeScalar {
  typealias Other = Float
  static var name: String { "f64" }
  static var step: Step { infalign_ctrl_step_f64 }
  static var stepTokens: StepTokens { infalign_ctrl_step_tokens_f64 }
  static var stepRollout: StepRollout { infalign_ctrl_step_rollout_f64 }
  static var calibrate: (In, Int64, In, Int64, Int64, Int32, Out) -> Int32 { infalign_calibrate_f64 }
  static var calibrateRagged: (In, OffsetsIn, In, OffsetsIn, Int64, Int32, Out) -> Int32 { infalign_calibrate_ragged_f64 }
  static var tableCreate: (In, Int64, Int64, Handle) -> Int32 { infalign_table_create_f64 }
  static var tableCreateRagged: (In, OffsetsIn, Int64, Handle) -> Int32 { infalign_table_create_ragged_f64 }
  static var tableCalibrate: (OpaquePointer?, In, Int64, Int32, Out) -> Int32 { infalign_table_calibrate_f64 }
  static var tableCalibrateRagged: (OpaquePointer?, In, OffsetsIn, Int32, Out) -> Int32 { infalign_table_calibrate_ragged_f64 }
}

extension Float: ShapeScalar {
  typealias Other = Double
  static var name: String { "f32" }
  static var step: Step { infalign_ctrl_step_f32 }
  static var stepTokens: StepTokens { infalign_ctrl_step_tokens_f32 }
  static var stepRollout: StepRollout { infalign_ctrl_step_rollout_f32 }
  static var calibrate: (In, Int64, In, Int64, Int64, Int32, Out) -> Int32 { infalign_calibrate_f32 }
  static var calibrateRagged: (In, OffsetsIn, In, OffsetsIn, Int64, Int32, Out) -> Int32 { infalign_calibrate_ragged_f32 }
  static var tableCreate: (In, Int64, Int64, Handle) -> Int32 { infalign_table_create_f32 }
  static var tableCreateRagged: (In, OffsetsIn, Int64, Handle) -> Int32 { infalign_table_create_ragged_f32 }
  static var tableCalibrate: (OpaquePointer?, In, Int64, Int32, Out) -> Int32 { infalign_table_calibrate_f32 }
  static var tableCalibrateRagged: (OpaquePointer?, In, OffsetsIn, Int32, Out) -> Int32 { infalign_table_calibrate_ragged_f32 }
}

// MARK: - Buffers and bytes

/// `count` elements allocated exactly (AddressSanitizer sees a read past them), freed with the object.
final class Buffer<T> {
  let pointer: UnsafeMutablePointer<T>
  let count: Int

  init(_ count: Int, _ fill: (Int) -> T) {
    self.count = count
    pointer = .allocate(capacity: count)
    for i in 0..<count { (pointer + i).initialize(to: fill(i)) }
  }

  deinit { pointer.deallocate() }
}

extension Buffer where T: BinaryFloatingPoint {
  /// Outputs start as NaN: one the call should have written and did not shows in the finiteness check.
  convenience init(_ count: Int, nan: Bool) { self.init(count) { _ in T.nan } }
}

/// Offsets of a ragged layout and the element count they span.
final class Offsets {
  let buffer: Buffer<Int64>
  let span: Int
  var pointer: UnsafeMutablePointer<Int64> { buffer.pointer }
  init(_ values: [Int64]) {
    buffer = Buffer(values.count) { values[$0] }
    span = Int(values.max() ?? 0)
  }
}

/// The fuzz bytes read as decisions, front to back (shape and choices first, values after).
struct FuzzBytes {
  private let bytes: UnsafeRawBufferPointer
  private var at = 0
  private var tail: UInt64? = nil
  /// Whether the step being decoded is the token-level entry.
  var tokensEntry = false

  init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  /// The next byte; past the input's end, a SplitMix64 stream seeded by the input (so a short input still fills
  /// a large shape with varied values, and the same input always decodes the same way).
  mutating func byte() -> UInt8 {
    if at < bytes.count {
      defer { at += 1 }
      return bytes[at]
    }
    if tail == nil { tail = bytes.reduce(UInt64(bytes.count)) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 } }
    tail! &+= 0x9E37_79B9_7F4A_7C15
    var z = tail!
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return UInt8(truncatingIfNeeded: z ^ (z >> 31))
  }

  mutating func bit() -> Bool { byte() & 1 == 1 }

  /// 0 ..< n (n ≤ 256).
  mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(byte()) % n }

  /// A size 0 ... limit, small more often (0 and 1 in a fifth of draws).
  mutating func size(_ limit: Int) -> Int {
    let b = byte()
    switch b % 10 {
    case 0: return 0
    case 1: return 1
    case 2, 3, 4: return Int(b / 10) % 4 + 1
    default: return Int(b / 10) % (limit + 1)
    }
  }

  mutating func stepShape(tokens: Bool) -> ShapeFuzz.StepShape {
    tokensEntry = tokens
    // Groups up to 64 in one step of 8, else up to 8; group size up to 16; tokens 0 ... 16 at the token level.
    let groups = below(8) == 0 ? size(64) : size(8)
    return .init(groups: groups, groupSize: size(16), maxTokens: tokens ? size(16) : 1)
  }

  /// Flags 0 ... 3, and now and then a word with other bits (rejected).
  mutating func flags() -> Int32 { below(16) == 0 ? Int32(bitPattern: 4 << UInt32(below(28))) : Int32(below(4)) }

  /// `prompts + 1` offsets from 0 with lengths 0 ... 8 (count at least `atLeast + 1`, the extra ones repeating the
  /// last); now and then broken (a non-zero start or a decrease, which the ABI rejects before it reads the data).
  mutating func offsets(_ prompts: Int, atLeast: Int = 0) -> Offsets {
    var values: [Int64] = [0]
    for _ in 0..<prompts { values.append(values.last! + Int64(size(8))) }
    while values.count < atLeast + 1 { values.append(values.last!) }
    if below(16) == 0 {
      if bit() || values.count < 2 { values[0] = 1 } else {
        let i = 1 + below(values.count - 1)
        values[i] = max(0, values[i - 1] - 1 - Int64(below(3)))
        if values[i] == values[i - 1] { values[0] = 1 }
      }
    }
    return Offsets(values)
  }

  /// A reward: small integers (ties), spread values, extremes; NaN and ±inf only in poisoned cases.
  mutating func value(poison: Bool) -> Double {
    let b = byte()
    switch b % 16 {
    case 0: return poison ? .nan : 0
    case 1: return poison ? .infinity : 1
    case 2: return poison ? -.infinity : -1
    case 3: return 1e300 * (b & 16 == 0 ? 1 : -1)
    case 4: return .leastNonzeroMagnitude
    case 5, 6, 7: return Double(b / 16 % 3)
    default: return Double(Int(b / 16) - 8) / 4 + Double(byte()) / 1024
    }
  }

  /// A log-probability: mostly in (−8, 0], sometimes large, NaN or ±inf in poisoned cases.
  mutating func logProb(poison: Bool) -> Double {
    let b = byte()
    switch b % 32 {
    case 0: return poison ? .nan : 0
    case 1: return poison ? -.infinity : -1e4
    case 2: return poison ? .infinity : -700
    case 3: return -1e300
    default: return -Double(b / 32) - Double(byte()) / 256
    }
  }

  /// A CTRL option word (`infalign_ctrl_options_set`) with a value, presets and k above the group size included.
  mutating func option(groupSize: Int) -> (String, String) {
    let k = below(4) == 0 ? groupSize + 1 + below(4) : below(groupSize + 2)
    let choices: [(String, [String])] = [
      ("preset", ["infalign", "verl-grpo", "verl-rloo", "verl-drgrpo", "verl-grpo-passk", "trl-grpo", "trl-rloo",
                  "openrlhf-group-norm", "openrlhf-rloo", "none"]),
      ("calibration", ["group", "none"]),
      ("transform", ["identity", "exp:3", "exp:1000", "negexp:2", "log", "logit", "power:2", "log:0"]),
      ("smoothing", ["true", "false"]),
      ("estimator", ["standard", "max@k:\(k)", "pass@k:\(k)", "analytic-pass@k:\(k)", "max-minus-second",
                     "bon-distill:\(k)", "won-distill:\(k)", "max@k:\(k):none", "pass@k:\(k):leave-one-out",
                     "max@k:\(k):marginal", "max@k:\(k):group-mean"]),
      ("baseline", ["rloo", "group-mean", "none"]),
      ("scale", ["none", "group", "batch", "batch-whiten"]),
      ("bessel_std", ["true", "false"]),
      ("std_epsilon", ["0", "1e-6", "-1"]),
      ("std_floor", ["0", "1e-3", "1e300"]),
      ("single_sample", ["zero", "mean-zero-std-one", "raw"]),
      ("distillation_epsilon", ["1e-6", "0.5", "0"]),
      ("kl_reward", ["none", "0.1:k1", "0.1:k3:10", "1:abs", "1e300:k2"]),
      ("kl_loss", ["none", "0.1:k3:10:straight-through", "0.01:k2", "1:k1:none"]),
      ("kl_reward_source", ["policy", "old-policy"]),
      ("kl_reward_placement", ["before-baseline", "after-baseline"]),
      ("clip_epsilon", ["0.2", "0", "10"]),
      ("clip_low", ["0.1", "0.9"]),
      ("clip_high", ["0.28", "5"]),
      ("dual_clip", ["3", "none", "0.5"]),
      ("ratio_cap", ["10", "none"]),
      ("log_ratio_clamp", ["20", "none", "0"]),
      ("ratio_level", ["token", "sequence-mean", "sequence-sum", "gspo-token"]),
      ("policy_loss", ["ppo", "cispo"]),
      ("rollout_correction", ["none", "token:2", "sequence:0.5:2", "token:3:2", "sequence:0"]),
      ("aggregation", ["token-mean", "seq-mean-token-mean", "seq-mean-token-mean:1e-8:floor-one",
                       "seq-mean-token-sum", "seq-mean-token-sum-norm", "token-sum-norm", "token-sum-norm:per-sequence"]),
      ("non_finite", ["throw", "mask"]),
    ]
    let (key, values) = choices[below(choices.count)]
    return (key, values[below(values.count)])
  }
}
