/// A user-facing failure: printed as one line, non-zero exit.
struct CLIError: Error, CustomStringConvertible {
  let description: String
  init(_ message: String) { description = message }
}
