// swift-tools-version:6.1
import PackageDescription

// Layers (see docs/ARCHITECTURE.md): p2pmq CLI -> Agent -> Gossip/Host, Core -> DON -> Store -> Wire.
// Arrows point down only; each layer is one target.
let package = Package(
    name: "p2pmq",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "p2pmq", targets: ["p2pmq"]),
        .executable(name: "p2pmq-bench", targets: ["p2pmq-bench"]),
        .executable(name: "p2pmq-hostile", targets: ["p2pmq-hostile"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        // Raw LMDB in C: the baseline the store benchmark compares against.
        .target(
            name: "CLMDBBaseline",
            dependencies: ["CLMDB"],
            cSettings: [.unsafeFlags(["-O2"])]
        ),
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // secp256k1 ECDSA with public key recovery (OCR2's EVM keyring).
        .systemLibrary(
            name: "CSecp256k1",
            pkgConfig: "libsecp256k1",
            providers: [.apt(["libsecp256k1-dev"])]
        ),
        // Raw libsecp256k1 recovery in C: the ceiling the OCR2 verifier benchmark compares against.
        .target(
            name: "CSecp256k1Baseline",
            dependencies: ["CSecp256k1"],
            cSettings: [.unsafeFlags(["-O2"])]
        ),
        // Keccak-f[1600] for keccak256 (EVM hashes, addresses, config digests).
        .systemLibrary(
            name: "CNettle",
            pkgConfig: "nettle",
            providers: [.apt(["nettle-dev"])]
        ),
        // libp2p wire formats and protocol state machines: pure values, no I/O.
        .target(
            name: "Wire",
            dependencies: [
                "CSodium",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // libp2p over SwiftNIO: TCP, connection upgrade, streams, identify, ping.
        .target(
            name: "Host",
            dependencies: [
                "Wire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The node's policy, pure: one time type and clocks, the gossipsub router with its scoring
        // and caches, the validation queue, the verdict policy and NodeCore (events in, actions
        // out). No NIO, no Dispatch, no actors, no tasks: the agent, the tests and the simulator
        // run it alike (docs/ARCHITECTURE.md).
        .target(
            name: "Core",
            dependencies: [
                "Wire",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // Peer discovery over the host's streams: the Kademlia DHT driving Core's routing table,
        // lookups and provider store.
        .target(
            name: "Discovery",
            dependencies: [
                "Core",
                "Host",
                "Wire",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // Gossipsub over the host's streams: drives Core's NodeCore with RPCs, peers, timers and
        // validator answers, and carries out its actions.
        .target(
            name: "Gossip",
            dependencies: [
                "Core",
                "Wire",
                "Host",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // CRC-32C with the SSE4.2 instruction: record checksums sit on every read and write.
        .target(name: "CCRC32C", cSettings: [.unsafeFlags(["-O2"])]),
        .target(
            name: "Store",
            dependencies: [
                "Wire",
                "CLMDB",
                "CCRC32C",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            plugins: ["EmbedMigrations"]
        ),
        .executableTarget(name: "embed-migrations"),
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["embed-migrations"]),
        .target(
            name: "DON",
            dependencies: [
                "Wire",
                "CSodium",
                "CSecp256k1",
                "CNettle",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The agent's gRPC API as generated code (proto/p2pmq/api/api.proto, package `proto`):
        // messages, service protocols and clients.
        .target(
            name: "AgentAPI",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The daemon: configuration, validation routing, persistence of verdicts, the gRPC API.
        .target(
            name: "Agent",
            dependencies: [
                "AgentAPI",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                "DON",
                "Core",
                "Discovery",
                "Gossip",
                "Host",
                "Store",
                "Wire",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "p2pmq",
            dependencies: [
                "Agent",
                "AgentAPI",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                "Store",
                "DON",
                "Core",
                "Gossip",
                "Wire",
                "Host",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "p2pmq-bench",
            dependencies: [
                "Agent",
                "Core",
                "Gossip",
                "AgentAPI",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                "Store",
                "Host",
                "Wire",
                "CLMDBBaseline",
                "CSecp256k1Baseline",
                "DON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A hostile libp2p peer for the reliability suite: attacks honest agents over real
        // connections (floods, forged reports, lying sync); see scripts/reliability.sh.
        .executableTarget(
            name: "p2pmq-hostile",
            dependencies: [
                "Agent", "DON", "Core", "Gossip", "Host", "Wire", "TestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["Store", "DON", "Core"]
        ),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TestSupport"]),
        .testTarget(name: "DONTests", dependencies: ["DON", "Store", "Core", "Gossip", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["Store", "DON", "TestSupport"]),
        .testTarget(
            name: "WireTests",
            dependencies: ["Wire", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "HostTests", dependencies: ["Host", "Wire", "TestSupport"]),
        .testTarget(name: "GossipTests", dependencies: ["Core", "Gossip", "Host", "Wire", "TestSupport"]),
        .testTarget(name: "CoreTests", dependencies: ["Core", "Wire", "TestSupport"]),
        .testTarget(
            name: "AgentTests",
            dependencies: [
                "Agent", "AgentAPI", "Core", "Gossip", "Host", "Store", "Wire", "TestSupport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ]
        ),
        .testTarget(name: "InteropTests", dependencies: ["Host", "Wire", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer driver (Fuzz/Driver), only when scripts/fuzz.sh builds it: P2PMQ_FUZZ=1 in a
// scratch path of its own, with -sanitize=fuzzer on the project's targets so coverage guides
// the fuzzer through our decoders (dependencies stay uninstrumented, which keeps the build short).
if Context.environment["P2PMQ_FUZZ"] == "1" {
    let instrumented: Set<String> = ["Wire", "Core", "Host", "Gossip", "Store", "DON", "Agent", "TestSupport"]
    // -enable-testing: the driver reaches internal decoders through @testable import, in
    // release builds too (FUZZ_CONFIG=release, for long runs).
    for target in package.targets where instrumented.contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-sanitize=fuzzer,address", "-enable-testing"])]
    }
    package.targets.append(.executableTarget(
        name: "p2pmq-fuzz",
        dependencies: ["Agent", "Store", "DON", "Core", "Gossip", "Wire", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
        path: "Fuzz/Driver",
        swiftSettings: [.unsafeFlags(["-sanitize=fuzzer,address"])],
        linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]
    ))
    package.products.append(.executable(name: "p2pmq-fuzz", targets: ["p2pmq-fuzz"]))
}
