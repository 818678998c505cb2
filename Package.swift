// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "InfAlign",
  products: [
    .library(name: "InfAlignMath", targets: ["InfAlignMath"]),
    .library(name: "InfAlignSolvers", targets: ["InfAlignSolvers"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
  ],
  targets: [
    // OpenBLAS (CBLAS) and LAPACKE, found with pkg-config. Debian's OpenBLAS is LP64: `blasint` is Int32.
    .systemLibrary(
      name: "CBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
    ),
    .target(
      name: "InfAlignMath",
      dependencies: [
        "CBLAS",
        .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    .target(
      name: "InfAlignSolvers",
      dependencies: [
        "InfAlignMath",
        .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    .testTarget(name: "InfAlignMathTests", dependencies: ["InfAlignMath"]),
    .testTarget(name: "InfAlignSolversTests", dependencies: ["InfAlignSolvers", "InfAlignMath"]),
  ]
)
