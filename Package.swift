// swift-tools-version:6.1
import PackageDescription

// One package, one executable, four roles. Arrows point one way:
// roles (Gateway, Auth, Users, Invoices) → ServiceKit / Invoicing → adapters (JWT, HTTPClient, Storage, PDF) → C modules.
// A role never imports another role.
let package = Package(
    name: "voice-invoice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "voice-invoice", targets: ["VoiceInvoice"]),
        .executable(name: "voice-invoice-fuzz", targets: ["VoiceInvoiceFuzz"]),
        // For Benchmarks/, which measures the token code on its own.
        .library(name: "VoiceInvoiceJWT", targets: ["JWT", "OpenSSLSupport", "WireFormat"]),
        .library(name: "VoiceInvoiceStorage", targets: ["Storage", "Invoicing"]),
        // For Benchmarks/store-bench, which measures the invoice role's own collection spec (its indexes).
        .library(name: "VoiceInvoiceInvoices", targets: ["Invoices"]),
        .library(name: "VoiceInvoicePDF", targets: ["PDF", "Invoicing"]),
        .library(name: "VoiceInvoiceHTTPClient", targets: ["HTTPClient"]),
        // For Benchmarks/instruction-counts, which runs the gateway role in-process under callgrind.
        .library(name: "VoiceInvoiceGateway", targets: ["Gateway", "ServiceKit"]),
        .library(name: "VoiceInvoiceClient", targets: ["VoiceInvoiceClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // gzip for the web app's assets, compressed once at start (zlib).
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-otel/swift-w3c-trace-context.git", from: "1.0.0"),
        // The roles' servers and the internal clients are generated from the OpenAPI documents (scripts/generate-openapi.sh).
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
    ],
    targets: [
        // MARK: C modules (system libraries, found through pkg-config; Debian package names in `providers`).
        .systemLibrary(name: "COpenSSL", path: "Sources/C/COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/C/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CMongoC", path: "Sources/C/CMongoC", pkgConfig: "libmongoc-1.0", providers: [.apt(["libmongoc-dev"])]),
        .systemLibrary(name: "CPangoCairo", path: "Sources/C/CPangoCairo", pkgConfig: "pangocairo", providers: [.apt(["libpango1.0-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/C/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // MARK: Adapters: each external system behind one small Swift type.
        .target(name: "OpenSSLSupport", dependencies: ["COpenSSL", "WireFormat"]),
        .target(name: "JWT", dependencies: ["OpenSSLSupport", "WireFormat"]),
        .target(
            name: "HTTPClient",
            dependencies: [
                "CCurl", .product(name: "NIOCore", package: "swift-nio"), .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ]
        ),
        .target(
            name: "Storage",
            dependencies: [
                "CSQLite", "CMongoC", "OpenSSLSupport", "WireFormat",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "PDF", dependencies: ["CPangoCairo", "Invoicing", .product(name: "NIOPosix", package: "swift-nio")]),

        .target(
            name: "AIProvider",
            dependencies: ["HTTPClient", "Invoicing", .product(name: "Metrics", package: "swift-metrics"), .product(name: "NIOCore", package: "swift-nio")]
        ),

        // Parsers for headers, paths and forms, apart from any server, so that the fuzz targets (Fuzz/) drive exactly
        // what the roles run.
        .target(name: "WireFormat", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),

        // MARK: Domain.
        .target(name: "Invoicing", dependencies: ["WireFormat"]),

        // MARK: What every role shares.
        .target(
            name: "ServiceKit",
            dependencies: [
                "JWT", "HTTPClient", "Storage", "OpenSSLSupport", "WireFormat",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "W3CTraceContext", package: "swift-w3c-trace-context"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            ]
        ),

        // MARK: Roles: one folder each, the whole surface of a role in one place.
        .target(
            name: "Gateway",
            dependencies: [
                "ServiceKit", "AuthInternalAPI", "WireFormat", "JWT", "OpenSSLSupport", "HTTPClient",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"), .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CompressNIO", package: "compress-nio"), .product(name: "NIOCore", package: "swift-nio"),
            ],
            // The public API's OpenAPI document and the web app, compiled into the binary (the image ships the binary
            // alone). Every file of WebApp/ is listed here and in WebAppController.files (a test checks both).
            resources: [.embedInCode("openapi.json")]
                + [
                    "index.html", "app.css", "icon.svg", "app.js", "api.js", "dom.js", "format.js", "forms.js", "files.js", "auth-views.js",
                    "invoice-list.js", "compose.js", "invoice-review.js", "memory.js", "settings.js",
                ].map { .embedInCode("WebApp/\($0)") }
        ),
        .target(
            name: "Auth",
            dependencies: [
                "ServiceKit", "AuthInternalAPI", "WireFormat", "OpenSSLSupport", "Storage", "HTTPClient", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            ]
        ),
        .target(
            name: "Users",
            dependencies: [
                "ServiceKit", "Invoicing", "Storage", "HTTPClient", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            ]
        ),
        .target(
            name: "Invoices",
            dependencies: [
                "ServiceKit", "Invoicing", "UserProfileClient", "PDF", "AIProvider", "OpenSSLSupport", "WireFormat", "Storage", "HTTPClient",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            ]
        ),

        // MARK: Generated from the documents (scripts/generate-openapi.sh): the gateway → auth hop (types, the auth role's
        // server protocol and the gateway's client, from OpenAPI/internal.json), and the invoice → user hop (the public
        // document's getProfile, read into the domain's BusinessProfile).
        .target(
            name: "AuthInternalAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"), .product(name: "HTTPTypes", package: "swift-http-types")]),
        .target(
            name: "UserProfileClient",
            dependencies: [
                "Invoicing", .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"), .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),

        // MARK: The public API's client, generated from the document alone (as any client developer would): what the
        // journey test drives, and what an iOS app would compile with URLSession's transport instead of curl's.
        .target(
            name: "VoiceInvoiceClient",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"), .product(name: "HTTPTypes", package: "swift-http-types")]),

        // MARK: The one executable.
        .executableTarget(
            name: "VoiceInvoice",
            dependencies: [
                "Gateway", "Auth", "Users", "Invoices", "ServiceKit", "JWT", "OpenSSLSupport", "WireFormat", "HTTPClient", "PDF", "Storage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: Fuzzing: libFuzzer targets for the parsers, built with sanitizers by scripts/fuzz.sh.
        .executableTarget(
            name: "VoiceInvoiceFuzz",
            dependencies: [
                "WireFormat", "Invoicing", "JWT", "OpenSSLSupport", "Storage", "CMongoC", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ]
        ),

        // MARK: Tests (Swift Testing).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "JWTTests", dependencies: ["JWT", "OpenSSLSupport", "WireFormat", "TestSupport"]),
        .testTarget(name: "InvoicingTests", dependencies: ["Invoicing"]),
        .testTarget(name: "WireFormatTests", dependencies: ["WireFormat", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "TestSupport"]),
        .testTarget(
            name: "HTTPClientTests",
            dependencies: [
                "HTTPClient", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "AIProviderTests", dependencies: ["AIProvider", "HTTPClient", "Invoicing", "TestSupport"]),
        .testTarget(name: "PDFTests", dependencies: ["PDF", "Invoicing", "TestSupport"]),
        .testTarget(
            name: "RoleRouterTests",
            dependencies: [
                "Gateway", "Auth", "Users", "Invoices", "Invoicing", "ServiceKit", "JWT", "PDF", "Storage", "HTTPClient",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "DeployTests", dependencies: ["ServiceKit", "HTTPClient", "TestSupport"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Gateway", "Auth", "Users", "Invoices", "ServiceKit", "JWT", "WireFormat", "TestSupport", "VoiceInvoiceClient", "HTTPClient", "OpenSSLSupport",
                "PDF", "Storage", .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
