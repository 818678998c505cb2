import Glibc

/// Every size the command line takes (point counts, grids, prompts × candidates, resamples, repetitions, ...) is
/// checked here before anything is allocated, so a huge value is one line naming the option and its value instead
/// of an integer-overflow trap or an allocation of hundreds of GB:
///
///     --kl 1:1.0000000000000002:100000000000: 100000000000 points need 800 GB, more than half of this machine's 24 GB of memory
///
/// `memory` counts `count × bytesEach` bytes with overflow checks against half of physical memory (the other half
/// for the system, the output and what the estimate leaves out); `time` bounds sizes whose memory is small but
/// whose running time grows without bound (bootstrap resamples, repetitions, optimal-transform grids).
enum MemoryBudget {
  /// Physical memory in bytes: `sysconf(_SC_PHYS_PAGES) × sysconf(_SC_PAGESIZE)` (16 GiB when the system does
  /// not say).
  static var physicalBytes: Int {
    let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
    guard pages > 0, size > 0 else { return 16 << 30 }
    let (bytes, overflow) = pages.multipliedReportingOverflow(by: size)
    return overflow ? Int.max : bytes
  }

  /// The most bytes one command may ask for: half of physical memory.
  static var limitBytes: Int { physicalBytes / 2 }

  /// Throws unless `factors` (their product is the count of `unit`) of `bytesEach` bytes each fit in half of
  /// physical memory. `what` is the option and its value as typed (`--kl 1:2:100000000000`, or
  /// `--prompts 1000000 × --candidates 1000000` for a product of options).
  static func memory(_ what: String, _ factors: [Int], unit: String, bytesEach: Int) throws(CLIError) {
    var count = 1, countOverflow = false
    for f in factors {
      let (p, o) = count.multipliedReportingOverflow(by: Swift.max(f, 0))
      countOverflow = countOverflow || o
      count = o ? Int.max : p
    }
    let (bytes, overflow) = count.multipliedReportingOverflow(by: Swift.max(bytesEach, 1))
    let counted = countOverflow ? "more than \(Int.max) \(unit)" : "\(count) \(unit)"
    if countOverflow || overflow {
      throw CLIError("\(what): \(counted) need more than \(format(Int.max)), more than this machine's \(format(physicalBytes)) of memory")
    }
    if bytes > limitBytes {
      throw CLIError("\(what): \(counted) need \(format(bytes)), more than half of this machine's \(format(physicalBytes)) of memory")
    }
  }

  /// `memory` for one option: `option value` (e.g. `--grid`, `100000000`).
  static func memory(_ option: String, _ value: some CustomStringConvertible, count: Int, unit: String,
                     bytesEach: Int) throws(CLIError) {
    try memory("\(option) \(value)", [count], unit: unit, bytesEach: bytesEach)
  }

  /// Throws when `count` is above `limit`: a bound on running time, not memory (`reason` says why it grows).
  static func time(_ option: String, _ value: some CustomStringConvertible, count: Int, limit: Int, unit: String,
                   reason: String) throws(CLIError) {
    if count > limit {
      throw CLIError("\(option) \(value): more than \(limit) \(unit) would run for hours (\(reason)); this limit is on time, not memory")
    }
  }

  /// Bytes in decimal units, as a person reads them: `800 GB`, `1.5 MB`.
  static func format(_ bytes: Int) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
    var value = Double(bytes), unit = 0
    while value >= 1000 && unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    let rounded = value >= 10 || unit == 0 ? "\(Int(value.rounded()))" : "\((value * 10).rounded() / 10)"
    return "\(rounded) \(units[unit])"
  }
}

/// The sizes several commands share, with the bytes and time each one costs.
extension MemoryBudget {
  /// An optimal-transform grid (`optimal`, `frontier`, `tuning-table`, `bench analyze|optimal --grid`). The solver
  /// refines up to 16 × the grid, with 8 quadrature nodes per cell in a few arrays: 2 kB per point bounds it. Its
  /// time grows with the grid (65536 points: ~40 s in a debug build), so above 2²⁰ points it is refused for time.
  static func grid(_ grid: Int, option: String = "--grid") throws(CLIError) {
    try memory(option, grid, count: grid, unit: "grid points", bytesEach: 2048)
    try time(option, grid, count: grid, limit: maximumGrid, unit: "grid points",
             reason: "each optimal-transform solve's time grows with its grid")
  }

  static let maximumGrid = 1 << 20
}
