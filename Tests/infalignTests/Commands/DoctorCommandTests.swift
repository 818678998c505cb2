import Foundation
import InfAlignSolvers
import Testing
@testable import infalign

/// `doctor` reports OpenBLAS's build, core and threads and the row kernels' threads, as text and as JSON.
@Test func doctorReportsBLASAndThreads() throws {
  let blas = BLASRuntime.current
  let json = try #require(jsonLines(try run(["doctor", "--format", "json"])).first)
  #expect(json["blas_core"] as? String == blas.coreName)
  #expect(json["blas_version"] as? String == blas.version)
  #expect((json["blas_threads"] as? NSNumber)?.intValue == blas.threads)
  #expect((json["threads"] as? NSNumber)?.intValue == Threads.count)
  #expect((json["available_cores"] as? NSNumber)?.intValue == Threads.availableCores)
  #expect(json["blas_generic_core"] as? String == (blas.isGenericCore ? "yes" : "no"))
  #expect((json["status"] as? String)?.hasPrefix(blas.isGenericCore ? "slow" : "ok") == true)
  let text = try run(["doctor"])
  #expect(text.contains("blas_core") && text.contains(blas.coreName))
  #expect(throws: (any Error).self) { try run(["doctor", "--format", "csv"]) }
}

/// The executable re-executes with a better core only when OpenBLAS runs a generic one and the user set nothing.
@Test func coreSelectionPlan() {
  let avx512: UInt32 = 0x1FF
  let generic = BLASRuntime(
    configuration: "OpenBLAS 0.3.21", version: "0.3.21", coreName: "Prescott", threads: 1, libraryPath: nil,
    cpuFeatures: avx512, coreTypeOverride: nil)
  let good = BLASRuntime(
    configuration: "OpenBLAS 0.3.21", version: "0.3.21", coreName: "Cooperlake", threads: 1, libraryPath: nil,
    cpuFeatures: avx512, coreTypeOverride: nil)
  #expect(OpenBLASCoreSelection.plan(environment: [:], runtime: generic) == "Cooperlake")
  #expect(OpenBLASCoreSelection.plan(environment: [:], runtime: good) == nil)
  #expect(OpenBLASCoreSelection.plan(environment: ["OPENBLAS_CORETYPE": "Prescott"], runtime: generic) == nil)
  #expect(OpenBLASCoreSelection.plan(environment: [OpenBLASCoreSelection.detectedVariable: "Prescott"],
                                     runtime: generic) == nil)
}
