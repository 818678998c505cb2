import InfAlignText

/// Errors thrown by `InfAlignSolvers` for data-dependent failures: text that does not parse, parameters outside
/// their domain, and failures of the numerical core (`MathError`).
///
/// Every message names the offending text or value. Programmer errors (buffers of the wrong size) are
/// `precondition` failures instead. More cases will be added as the module grows, so code outside this module
/// should not rely on an exhaustive `switch` over this enum staying exhaustive; match the cases it handles and
/// fall back to ``description`` for the rest.
public enum InfAlignError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Equality that treats NaN payloads as equal, so an error naming a NaN equals itself.
  public static func == (lhs: InfAlignError, rhs: InfAlignError) -> Bool {
    switch (lhs, rhs) {
    case let (.parse(k1, t1, r1), .parse(k2, t2, r2)): return k1 == k2 && t1 == t2 && r1 == r2
    case let (.invalidParameter(n1, v1, r1), .invalidParameter(n2, v2, r2)):
      return n1 == n2 && (v1 == v2 || (v1.isNaN && v2.isNaN)) && r1 == r2
    case let (.math(a), .math(b)): return a == b
    case let (.nonFinite(f1, p1, i1, v1), .nonFinite(f2, p2, i2, v2)):
      return f1 == f2 && p1 == p2 && i1 == i2 && (v1 == v2 || (v1.isNaN && v2.isNaN))
    case let (.emptyReferences(p1, c1), .emptyReferences(p2, c2)): return p1 == p2 && c1 == c2
    case let (.shapeMismatch(a), .shapeMismatch(b)): return a == b
    case let (.klBudgetOutOfReach(b1, l1, h1, c1), .klBudgetOutOfReach(b2, l2, h2, c2)):
      func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }
      return same(b1, b2) && same(l1, l2) && same(h1, h2) && c1 == c2
    default: return false
    }
  }

  /// `text` could not be read as a `kind` (for example `"transform"`, `"procedure"`, `"transform table"`);
  /// `reason` says what was expected.
  case parse(kind: String, text: String, reason: String)
  /// The parameter `name` has the value `value`, which is outside its domain; `reason` states the domain.
  case invalidParameter(name: String, value: Double, reason: String)
  /// A failure of the numerical core.
  case math(MathError)
  /// A reward (or other per-sample input named by `field`) is NaN or ±∞: prompt `prompt`, position `index`
  /// within that prompt's list.
  case nonFinite(field: String, prompt: Int, index: Int, value: Double)
  /// Prompt `prompt` has no reference rewards to calibrate against (or, with leave-one-out, only one).
  case emptyReferences(prompt: Int, count: Int)
  /// User data with inconsistent shapes or counts; the message names the prompt or array.
  case shapeMismatch(String)
  /// A KL budget outside the range `[lowest, highest]` that the KL weight β can reach for `context` (what was
  /// being solved, e.g. "transform exp:5"); NaN ends mean the KL could not be evaluated there. A budget inside
  /// the range that the solver fails to meet is ``math(_:)`` with `MathError.noConvergence`.
  case klBudgetOutOfReach(budget: Double, lowest: Double, highest: Double, context: String)

  /// One line: user text inside the message (a spec, a context) has its control characters escaped.
  public var description: String { oneLineText(message) }

  private var message: String {
    switch self {
    case let .parse(kind, text, reason):
      return "cannot parse \(kind) \"\(text)\": \(reason)"
    case let .invalidParameter(name, value, reason):
      return "invalid \(name) = \(InfAlignError.format(value)): \(reason)"
    case let .math(error):
      return error.description
    case let .nonFinite(field, prompt, index, value):
      return "non-finite \(field) \(value) at prompt \(prompt), index \(index)"
    case let .emptyReferences(prompt, count):
      return count == 0
        ? "prompt \(prompt) has no reference rewards to calibrate against"
        : "prompt \(prompt) has \(count) reference reward(s): leave-one-out calibration needs at least 2"
    case let .shapeMismatch(message):
      return message
    case let .klBudgetOutOfReach(budget, lowest, highest, context):
      return "KL budget \(InfAlignError.format(budget)) is out of reach for \(context): "
        + "β reaches KL from \(lowest) to \(highest)"
    }
  }

  /// `value` printed as an integer when it is one (so `N = 0`, not `N = 0.0`), else in Swift's shortest form.
  static func format(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(), abs(value) < 0x1p53 { return String(Int64(value)) }
    return "\(value)"
  }
}
