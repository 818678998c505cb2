@testable import InfAlignMath
import Testing

/// `INFALIGN_NUM_THREADS` is used only when it is a whole number in `1...maximum`; anything else falls back to
/// the available cores.
@Test func threadCountEnvironmentParsing() {
  #expect(Threads.parse("1") == 1 && Threads.parse("8") == 8 && Threads.parse("\(Threads.maximum)") == Threads.maximum)
  for text in [nil, "", "0", "-3", "1025", "4.0", " 4", "4 ", "four", "0x10", "99999999999999999999"] {
    #expect(Threads.parse(text) == nil, "\(text ?? "nil")")
  }
  #expect(Threads.availableCores >= 1)
}

/// A call's override wins over the process-wide count, which `nil` resolves to (the count is not set here: tests
/// run concurrently, and CTRLGradientTests sets it under save/restore).
@Test func threadCountResolution() {
  #expect(Threads.availableCores >= 1)
  #expect(Threads.count >= 1 && Threads.count <= Threads.maximum)
  #expect(Threads.resolve(3) == 3)
  #expect(Threads.resolve(nil) == Threads.count)
  if let value = Threads.environmentValue { #expect(value >= 1 && value <= Threads.maximum) }
}
