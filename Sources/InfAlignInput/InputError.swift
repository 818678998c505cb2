import Glibc
import InfAlignText

/// A problem with an input file: one line naming the file and, where there is one, the line, field, prompt and
/// value (the command line prints it as it is and exits non-zero).
package struct InputError: Error, CustomStringConvertible {
  package let description: String
  package init(_ message: String) { description = message }

  /// The system's reason for the last failed call (`strerror(errno)`).
  static func reason() -> String { String(cString: strerror(errno)) }

  /// Text from a file (an id, a cell) as it may appear inside a one-line message: invalid UTF-8 shown as U+FFFD
  /// (the data itself is never changed), control characters and line separators escaped (`oneLineText`).
  package static func printable(_ bytes: some Collection<UInt8>) -> String {
    oneLineText(String(decoding: bytes, as: UTF8.self))
  }
}
