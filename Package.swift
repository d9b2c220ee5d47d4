// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "tiffin",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tiffin", targets: ["tiffin"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // Pure domain vocabulary: no I/O, no framework.
        .target(name: "Core", swiftSettings: swiftSettings),
        // Database (SQLite | PostgreSQL) over SQLKit, transactions, migrator, outbox.
        .target(
            name: "Storage",
            dependencies: [
                "Core",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP edge shared by every domain: request contexts, problem+json, body decoding.
        .target(
            name: "TiffinHTTP",
            dependencies: [
                "Core",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Accounts",
            dependencies: [
                "Core", "Storage", "TiffinHTTP",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "Catalog", dependencies: ["Core", "Storage", "TiffinHTTP"], swiftSettings: swiftSettings),
        .target(
            name: "Ordering",
            dependencies: ["Core", "Storage", "TiffinHTTP", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(name: "Payments", dependencies: ["Core", "Storage", "TiffinHTTP"], swiftSettings: swiftSettings),
        .target(
            name: "Dispatching",
            dependencies: [
                "Core", "Storage", "TiffinHTTP",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The deterministic demo city seeded on first start: restaurants, menus, accounts, couriers.
        .target(name: "DemoCityData", dependencies: ["Core", "Accounts", "Catalog"], path: "Sources/DemoCity", swiftSettings: swiftSettings),
        // Assembly: configuration, buildApplication, wiring of ports between domains.
        .target(
            name: "TiffinApp",
            dependencies: [
                "Core", "Storage", "TiffinHTTP", "Accounts", "Catalog", "Ordering", "Payments", "Dispatching", "DemoCityData",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "tiffin",
            dependencies: [
                "TiffinApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test support: throw-away databases on SQLite and (when configured) PostgreSQL.
        .target(
            name: "TiffinTestSupport",
            dependencies: ["Storage", .product(name: "SQLKit", package: "sql-kit"), .product(name: "Logging", package: "swift-log")],
            path: "Tests/TiffinTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CoreTests", dependencies: ["Core"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DomainTests",
            dependencies: ["Core", "Storage", "Accounts", "Catalog", "Ordering", "Payments", "Dispatching", "DemoCityData", "TiffinTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TiffinAppTests",
            dependencies: [
                "TiffinApp", "TiffinTestSupport", "Core", "Storage",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
