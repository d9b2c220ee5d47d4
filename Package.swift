// swift-tools-version:6.2
import PackageDescription

// Boundaries the compiler enforces: an `import` is internal unless written `public import`, and a
// member is visible only in a file that imports its module.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "tiffin",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tiffin", targets: ["tiffin"]),
        .executable(name: "tiffin-load", targets: ["TiffinLoad"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Pure domain vocabulary: no I/O, no framework.
        .target(name: "Core", swiftSettings: swiftSettings),
        // The event contracts: every event type and its payload, in the API's JSON style. A consumer
        // depends on this module, never on the domain that publishes the event.
        .target(name: "Events", dependencies: ["Core"], swiftSettings: swiftSettings),
        // The system's SQLite (libsqlite3-dev), for the embedded database's own driver.
        .systemLibrary(name: "CTiffinSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Database (SQLite | PostgreSQL) over SQLKit, transactions, migrator, outbox.
        .target(
            name: "Storage",
            dependencies: [
                "Core", "Events", "CTiffinSQLite",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP edge shared by every domain: request contexts, problem+json, body decoding.
        .target(
            name: "TiffinHTTP",
            dependencies: [
                "Core",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Accounts",
            dependencies: [
                "Core", "Storage", "TiffinHTTP",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Catalog",
            dependencies: [
                "Core", "Storage", "TiffinHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Ordering",
            dependencies: [
                "Core", "Events", "Storage", "TiffinHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Payments",
            dependencies: [
                "Core", "Events", "Storage", "TiffinHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Dispatching",
            dependencies: [
                "Core", "Events", "Storage", "TiffinHTTP",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Clients of systems outside the process: SMTP mail, and webhook POSTs that connect only to
        // addresses they vetted (no mirrored package does either; see docs/notifications.md).
        .target(
            name: "Outbound",
            dependencies: [
                "Core",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Who hears what: notifications from events, the activity feed, preferences, partner
        // webhooks and email.
        .target(
            name: "Notifications",
            dependencies: [
                "Core", "Events", "Storage", "TiffinHTTP", "Outbound",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        // The deterministic demo city seeded on first start: restaurants, menus, accounts, couriers.
        .target(name: "DemoCityData", dependencies: ["Core", "Accounts", "Catalog"], path: "Sources/DemoCity", swiftSettings: swiftSettings),
        // The web apps (Sources/WebApps/Web), embedded in the binary by the EmbedWebFiles plugin.
        .executableTarget(name: "EmbedWebFilesTool", swiftSettings: swiftSettings),
        .plugin(name: "EmbedWebFiles", capability: .buildTool(), dependencies: ["EmbedWebFilesTool"]),
        .target(
            name: "WebApps",
            dependencies: ["Core", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Web"],
            swiftSettings: swiftSettings,
            plugins: ["EmbedWebFiles"]
        ),
        // The live connection (/v1/realtime): connections, subscriptions, the hub, tracking,
        // proximity, the heartbeat, the bus between instances, the protocol and its AsyncAPI
        // document. Imports no domain: it declares the ports it needs (Ports.swift).
        .target(
            name: "Live",
            dependencies: [
                "Core", "Events", "Storage", "TiffinHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // The system explains itself: journeys and their SLOs, counted from request outcomes and
        // events, error budgets, burn-rate alerts and the error-budget policy. Imports no domain.
        .target(
            name: "Operations",
            dependencies: [
                "Core", "Events", "Storage", "TiffinHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // Assembly: configuration, buildApplication, wiring of ports between domains.
        .target(
            name: "TiffinApp",
            dependencies: [
                "Core", "Events", "Storage", "TiffinHTTP", "Accounts", "Catalog", "Ordering", "Payments", "Dispatching", "DemoCityData",
                "Notifications", "Outbound", "WebApps", "Live", "Operations",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmark code: generated cities, the relay and dispatch benchmarks. Used by the CLI's
        // bench-* commands; the production library has none of it.
        .target(
            name: "TiffinBench",
            dependencies: [
                "TiffinApp", "Core", "Events", "Storage", "Accounts", "Catalog", "Ordering", "Dispatching", "Notifications", "DemoCityData",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "tiffin",
            dependencies: [
                "TiffinApp", "TiffinBench", "Core", "Storage", "Accounts", "Operations",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The load client for the live connection's benchmarks (scripts/bench-live.sh).
        .executableTarget(
            name: "TiffinLoad",
            dependencies: [
                "Core",
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test support: throw-away databases on SQLite and (when configured) PostgreSQL; fakes for ports.
        .target(
            name: "TiffinTestSupport",
            dependencies: [
                "Core", "Storage", "Payments", .product(name: "SQLKit", package: "sql-kit"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TiffinTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CoreTests", dependencies: ["Core"], swiftSettings: swiftSettings),
        .testTarget(name: "LiveTests", dependencies: ["Live", "Core", "Events"], swiftSettings: swiftSettings),
        .testTarget(
            name: "OutboundTests",
            dependencies: [
                "Outbound", "TiffinTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DomainTests",
            dependencies: [
                "Core", "Events", "Storage", "Accounts", "Catalog", "Ordering", "Payments", "Dispatching", "DemoCityData", "TiffinTestSupport",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TiffinAppTests",
            dependencies: [
                "TiffinApp", "TiffinTestSupport", "Core", "Events", "Storage", "Accounts", "Catalog", "Ordering", "Payments", "Dispatching",
                "DemoCityData", "TiffinHTTP", "Notifications", "Outbound", "Live", "Operations",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "SQLKit", package: "sql-kit"),
                "WebApps",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
