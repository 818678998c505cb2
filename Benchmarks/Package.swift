// swift-tools-version: 6.1
// Benchmarks live in their own package so that library users never resolve the benchmark dependency.
import PackageDescription

let package = Package(
  name: "InfAlignBenchmarks",
  dependencies: [
    .package(name: "InfAlign", path: ".."),
    .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
  ],
  targets: [
    .executableTarget(
      name: "InfAlignBenchmarks",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "InfAlignSolvers", package: "InfAlign"),
      ],
      path: "Benchmarks/InfAlignBenchmarks",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
  ]
)
