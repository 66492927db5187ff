// swift-tools-version:6.2
// PortalRPC: a newline-delimited JSON-RPC 2.0 data backend for clinical admin portals.
//
// Style: no package dependencies (Foundation, Dispatch and system C libraries only), one shared
// set of Swift settings for every target, library targets hold all logic and the executables are
// thin, and every library target has a test target beside it.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
  .treatAllWarnings(as: .error),
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
  name: "PortalRPC",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "portal-rpc", targets: ["portal-rpc"]),
    .executable(name: "portal-bench", targets: ["portal-bench"]),
    .library(name: "PortalRPC", targets: ["PortalRPC"]),
  ],
  targets: [
    // MARK: JSON values, parser and writer (exact numbers, stable key order)
    .target(name: "PortalJSON", swiftSettings: swiftSettings),
    .testTarget(
      name: "PortalJSONTests",
      dependencies: ["PortalJSON"],
      swiftSettings: swiftSettings
    ),

    // MARK: Domain: entities, validation, merge patch, cross-entity rules (no I/O)
    .target(
      name: "Domain",
      dependencies: ["PortalJSON"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "DomainTests",
      dependencies: ["Domain", "PortalJSON", "TestSupport"],
      swiftSettings: swiftSettings
    ),

    // MARK: Storage: SQLite (SQLCipher's build, a system library) as the durable source of truth,
    // encrypted at rest when given a key
    .systemLibrary(
      name: "CSQLite",
      path: "Sources/CSQLite",
      providers: [.apt(["libsqlcipher-dev"])]
    ),
    .target(
      name: "Storage",
      dependencies: ["CSQLite", "Domain", "PortalJSON", "Sodium"],
      swiftSettings: swiftSettings
    ),

    // MARK: Postgres: libpq (system library) with a deadline on every call, for the upstream
    .systemLibrary(
      name: "CLibPQ",
      path: "Sources/CLibPQ",
      providers: [.apt(["libpq-dev"])]
    ),
    .target(
      name: "Postgres",
      dependencies: ["CLibPQ"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "PostgresTests",
      dependencies: ["Postgres", "TestSupport"],
      swiftSettings: swiftSettings
    ),

    // MARK: Sodium: libsodium (system library) for password hashes, random tokens and SHA-256
    .systemLibrary(
      name: "CSodium",
      path: "Sources/CSodium",
      providers: [.apt(["libsodium-dev"])]
    ),
    .target(
      name: "Sodium",
      dependencies: ["CSodium"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "SodiumTests",
      dependencies: ["Sodium"],
      swiftSettings: swiftSettings
    ),

    // MARK: DataSync: the operations, each a unit of work over Domain rules and the store
    .target(
      name: "DataSync",
      dependencies: ["Domain", "Storage", "PortalJSON"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "DataSyncTests",
      dependencies: ["DataSync", "Domain", "Storage", "PortalJSON", "TestSupport"],
      swiftSettings: swiftSettings
    ),

    // MARK: Upstream: the clinic-wide PostgreSQL's schema (migrated under an advisory lock), the
    // sync agent's decisions as a pure state machine (no I/O, no threads), and the DataSync rules'
    // store over PostgreSQL's records
    .target(
      name: "Upstream",
      dependencies: ["DataSync", "Domain", "PortalJSON", "Postgres", "Storage"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "UpstreamTests",
      dependencies: [
        "Upstream", "DataSync", "Domain", "PortalJSON", "Postgres", "Storage", "TestSupport",
      ],
      swiftSettings: swiftSettings
    ),

    // MARK: JSON-RPC 2.0 over stdio: framing, lifecycle, method table
    .target(
      name: "PortalRPC",
      dependencies: [
        "PortalJSON", "Domain", "Storage", "DataSync", "Postgres", "Upstream", "Sodium",
      ],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "PortalRPCTests",
      dependencies: [
        "PortalRPC", "PortalJSON", "Storage", "Domain", "Postgres", "Sodium", "TestSupport",
        "portal-rpc",
      ],
      exclude: ["Transcripts"],
      swiftSettings: swiftSettings
    ),

    // MARK: Shared by the test targets: seeded randomness, throwaway PostgreSQL clusters
    .target(
      name: "TestSupport",
      dependencies: ["Postgres"],
      path: "Tests/TestSupport",
      swiftSettings: swiftSettings
    ),

    // MARK: Executables
    .executableTarget(
      name: "portal-rpc",
      dependencies: ["PortalRPC"],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "portal-bench",
      dependencies: ["PortalJSON", "PortalRPC", "Storage", "Domain"],
      swiftSettings: swiftSettings
    ),
  ],
  swiftLanguageModes: [.v6]
)
