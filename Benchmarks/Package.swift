// swift-tools-version:6.1
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which is whatever the clone is called.
let parent = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

// Benchmarks live in their own package so that the product never compiles them; CI builds this package (scripts/test.sh)
// without running a measurement, so a benchmark that stops compiling fails CI.
// Run: Benchmarks/jwt.sh (prints ops/s and the ratios against PyJWT and `openssl speed` from one run).
let package = Package(
    name: "voice-invoice-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."), .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(
            name: "jwt-bench",
            dependencies: [.product(name: "VoiceInvoiceJWT", package: parent)],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "store-bench",
            dependencies: [.product(name: "VoiceInvoiceStorage", package: parent), .product(name: "VoiceInvoiceInvoices", package: parent)]
        ),
        .target(name: "BenchFixtures", dependencies: [.product(name: "VoiceInvoicePDF", package: parent)]),
        .executableTarget(name: "invoice-bench", dependencies: ["BenchFixtures", .product(name: "VoiceInvoicePDF", package: parent)]),
        .executableTarget(
            name: "instruction-counts",
            dependencies: [
                "BenchFixtures", .product(name: "VoiceInvoiceGateway", package: parent), .product(name: "VoiceInvoiceJWT", package: parent),
                .product(name: "VoiceInvoicePDF", package: parent), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "voice-bench",
            dependencies: [.product(name: "VoiceInvoiceHTTPClient", package: parent), .product(name: "Hummingbird", package: "hummingbird")]
        ),
    ]
)
