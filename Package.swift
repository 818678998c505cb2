// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "InfAlign",
  products: [
    .library(name: "InfAlignMath", targets: ["InfAlignMath"]),
    .library(name: "InfAlignSolvers", targets: ["InfAlignSolvers"]),
    .executable(name: "infalign", targets: ["infalign"]),
    // The stable C ABI (include/infalign.h) as a shared library, for Python (python/) and other languages.
    .library(name: "InfAlignC", type: .dynamic, targets: ["InfAlignC"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    // Test-only: property-based checks of the calibrated-space analysis (Tests/.../CalibratedSpaceProperties).
    .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    // Documentation only: `make docs` builds the DocC catalogs of InfAlignMath and InfAlignSolvers with it.
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
  ],
  targets: [
    // OpenBLAS (CBLAS) and LAPACKE, found with pkg-config. Debian's OpenBLAS is LP64: `blasint` is Int32.
    .systemLibrary(
      name: "CInfAlignBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
    ),
    // The few row kernels whose speed is set by vector width, compiled for AVX2 and AVX-512 with a run-time
    // choice (Swift cannot target wider units than baseline x86-64 without flags a library cannot impose).
    .target(name: "CInfAlignSIMD"),
    .target(
      name: "InfAlignMath",
      dependencies: [
        "CInfAlignBLAS",
        "CInfAlignSIMD",
        .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    // C/C++ helpers of the executable: temporary-file removal on fatal signals, locale-free number parsing and
    // the JSONL record parser over simdjson (Debian's libsimdjson-dev, installed by `make deps`).
    .target(name: "CInfAlignIO", linkerSettings: [.linkedLibrary("simdjson")]),
    // The command line's input layer (reward files: JSONL through simdjson, CSV; lines read in linear time), a
    // library so the fuzz target (Sources/InfAlignFuzz) and the tests reach it without the executable. Its API is
    // `package`: not a product, not public.
    .target(name: "InfAlignInput", dependencies: ["CInfAlignIO", "InfAlignText"]),
    // Text helpers shared by the solvers' errors, the C ABI and the input layer (`oneLineText`), so that the input
    // layer does not depend on the solvers. `package` API only.
    .target(name: "InfAlignText"),
    .target(
      name: "InfAlignSolvers",
      dependencies: [
        "InfAlignMath",
        "InfAlignText",
        "CInfAlignSIMD",
        .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    .executableTarget(
      name: "infalign",
      dependencies: [
        "InfAlignSolvers",
        "InfAlignInput",
        "CInfAlignIO",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // The libFuzzer target over the readers, the text forms and the C ABI over shapes (`make fuzz` builds it with -sanitize=fuzzer into
    // .build-fuzz); the ordinary build replays saved inputs through it.
    .executableTarget(name: "InfAlignFuzz", dependencies: ["InfAlignInput", "InfAlignSolvers", "InfAlignC"]),
    // hypot/hypotf bound to their first glibc version, for the wheel: `make wheel` links libInfAlignC with
    // --wrap=hypot --wrap=hypotf so swift-numerics' references need no glibc 2.35 (see the file). Unused elsewhere.
    .target(name: "CInfAlignGlibcCompat", linkerSettings: [.linkedLibrary("m")]),
    // `@_cdecl` functions over InfAlignSolvers: status codes and a thread-local message, never a trap.
    .target(name: "InfAlignC", dependencies: ["InfAlignSolvers", "InfAlignText", "CInfAlignGlibcCompat"]),
    // InfAlignFuzz: the `ctrl-shapes` decoder, run from seeded bytes (ShapeFuzzTests).
    .testTarget(name: "InfAlignCTests", dependencies: ["InfAlignC", "InfAlignSolvers", "InfAlignFuzz"]),
    // One seeded RNG and the tolerance helpers, shared by the test suites (not a product).
    .target(
      name: "InfAlignTestSupport",
      dependencies: ["InfAlignMath", .product(name: "RealModule", package: "swift-numerics")],
      path: "Tests/InfAlignTestSupport"
    ),
    .testTarget(name: "InfAlignMathTests", dependencies: ["InfAlignMath", "InfAlignTestSupport"]),
    .testTarget(name: "infalignTests", dependencies: ["infalign", "InfAlignInput", "InfAlignFuzz", "InfAlignSolvers"]),
    .testTarget(
      name: "InfAlignSolversTests",
      dependencies: [
        "InfAlignSolvers", "InfAlignMath", "InfAlignText", "InfAlignTestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
  ],
  cxxLanguageStandard: .cxx17
)
