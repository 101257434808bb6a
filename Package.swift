// swift-tools-version:6.0
import PackageDescription

// One library per pipeline stage, each usable without the CLI; small C targets wrap
// the system libraries. ICU sits behind its own C shim because Foundation on Linux
// bundles a private ICU whose types clash with the system headers.
// Hot loops run on unsafe buffers; bounds checks stay on in debug builds (tests)
// and are removed only by -Ounchecked in release builds, which are what we time.
var fast: [SwiftSetting] { [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))] }
// The trainer's element-wise loops (SIMD8 exp/erf, softmax, LayerNorm, AdamW, dropout hashes)
// run twice as wide with AVX2: x86-64's baseline is SSE2 (4 lanes, no vector 64-bit multiply).
// Release builds of Training on x86-64 only (~12% more tokens/s on `mini`); a CPU without
// AVX2/FMA (pre-2013) cannot run them: build with DRBERT_PORTABLE_BUILD=1 for such machines.
var fastTraining: [SwiftSetting] {
    #if arch(x86_64)
        if Context.environment["DRBERT_PORTABLE_BUILD"] == nil {
            return fast + [.unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))]
        }
    #endif
    return fast
}

let package = Package(
    name: "drbert-swift",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "prep", targets: ["prep"]),
        .library(name: "Tokenization", targets: ["Tokenization"]),
        .library(name: "Corpus", targets: ["Corpus"]),
        .library(name: "Shards", targets: ["Shards"]),
        .library(name: "Masking", targets: ["Masking"]),
        .library(name: "Loading", targets: ["Loading"]),
        .library(name: "Batches", targets: ["Batches"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Finetuning", targets: ["Finetuning"]),
        // The C ABI over the loader that bindings/python (`drbert_data`) loads: libdrbert_data.so.
        .library(name: "drbert_data", type: .dynamic, targets: ["DrbertDataABI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        .target(
            name: "CICU",
            linkerSettings: [.linkedLibrary("icuuc"), .linkedLibrary("icudata")]
        ),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLzma", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CBzip2", providers: [.apt(["libbz2-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Open MPI, dlopened at run time under mpirun/srun (docs/training.md): nothing links it.
        .target(name: "CMPI", linkerSettings: [.linkedLibrary("dl")]),

        // The pipeline, in the order data flows through it. Each stage names exactly the
        // modules it imports (docs/architecture.md draws the graph).
        .target(name: "Tokenization", dependencies: ["CICU"], swiftSettings: fast),
        .target(name: "Shards", dependencies: ["CZstd"], swiftSettings: fast),
        .target(
            name: "Corpus", dependencies: ["Tokenization", "Shards", "CZstd", "CZlib", "CLzma", "CBzip2"],
            swiftSettings: fast),
        .target(name: "Masking", dependencies: ["Corpus", "Shards", "Tokenization"], swiftSettings: fast),
        .target(name: "Batches", swiftSettings: fast),
        .target(name: "Loading", dependencies: ["Batches", "Masking", "Shards", "Tokenization"], swiftSettings: fast),
        .target(
            name: "Training", dependencies: ["Batches", "COpenBLAS", "CZlib", "CMPI"], swiftSettings: fastTraining),
        // Fine-tuning: labelled task files, GLUE's metrics, the sequence classifier (issue 15).
        .target(
            name: "Finetuning", dependencies: ["Tokenization", "Training"], path: "Sources/Finetuning",
            swiftSettings: fast),
        .target(name: "CFuzzing"),
        .target(name: "DrbertDataABI", dependencies: ["Batches", "Loading"], swiftSettings: fast),
        .executableTarget(
            name: "prep",
            dependencies: [
                "Tokenization", "Corpus", "Shards", "Masking", "Batches", "Loading", "Training", "Finetuning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fast
        ),
        // libFuzzer targets over every parser of untrusted bytes (Scripts/fuzz builds it with
        // -sanitize=fuzzer,address -DFUZZING); a normal build is the replay tool for saved inputs.
        .executableTarget(
            name: "drbert-fuzz", dependencies: ["CFuzzing", "Tokenization", "Shards", "Loading", "Training"],
            path: "Sources/fuzz"),

        .testTarget(
            name: "TokenizationTests", dependencies: ["Tokenization", "Corpus", "CICU", "Shards"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "CorpusTests", dependencies: ["Corpus", "Shards", "Tokenization"]),
        .testTarget(name: "ShardsTests", dependencies: ["Shards"]),
        .testTarget(name: "MaskingTests", dependencies: ["Masking", "Corpus", "Shards", "Tokenization"]),
        .testTarget(
            name: "LoadingTests", dependencies: ["Loading", "Batches", "Corpus", "Masking", "Shards", "Tokenization"]),
        .testTarget(
            name: "DrbertDataABITests", dependencies: ["DrbertDataABI", "Batches", "Corpus", "Loading", "Shards"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Batches"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "FinetuningTests", dependencies: ["Finetuning", "Training", "Tokenization"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "prepTests",
            dependencies: [
                "prep", "Tokenization", "Corpus", "Shards", "Masking", "Loading", "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ],
    swiftLanguageModes: [.v5]
)
