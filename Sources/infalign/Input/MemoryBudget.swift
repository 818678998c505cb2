import Glibc

/// Sizes from the command line checked against what memory can hold before anything is allocated, so a huge
/// value is a clear error instead of an integer-overflow trap or an allocation of hundreds of GB.
enum MemoryBudget {
  /// Physical memory in bytes (16 GiB when the system does not say).
  static var physicalBytes: Int {
    let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
    guard pages > 0, size > 0 else { return 16 << 30 }
    let (bytes, overflow) = pages.multipliedReportingOverflow(by: size)
    return overflow ? Int.max : bytes
  }

  /// Throws unless `arrays` arrays of the product of `factors` elements of `elementBytes` bytes each fit in half
  /// of physical memory; `what` names the options (e.g. "--prompts × --references").
  static func check(_ what: String, _ factors: [Int], elementBytes: Int, arrays: Int = 1) throws(CLIError) {
    var total = elementBytes * arrays
    for f in factors {
      let (product, overflow) = total.multipliedReportingOverflow(by: Swift.max(f, 0))
      if overflow { throw CLIError("\(what) = \(factors.map(String.init).joined(separator: " × ")) is too large to allocate") }
      total = product
    }
    let limit = physicalBytes / 2
    if total > limit {
      throw CLIError("\(what) = \(factors.map(String.init).joined(separator: " × ")) needs \(total >> 20) MiB, more than half of this machine's \(physicalBytes >> 20) MiB")
    }
  }
}
