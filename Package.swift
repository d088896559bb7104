// swift-tools-version:6.1
import PackageDescription

/// The pkg-config name libzmq is found through, or `nil` to rely on the default search paths.
///
/// Debian's `libzmq.pc` adds `-isystem /usr/include/mit-krb5` (and include folders for PGM and libxml2
/// that `zmq.h` does not need) to its Cflags; SwiftPM prohibits `-isystem`, so asking pkg-config there
/// printed a warning on every build (and the flags were dropped anyway). On Linux `zmq.h` is in
/// /usr/include and `Sources/CZeroMQ/module.modulemap` links `zmq`, so pkg-config is not needed; on
/// macOS it supplies Homebrew's include and library folders.
#if os(macOS)
let zmqPkgConfig: String? = "libzmq"
#else
let zmqPkgConfig: String? = nil
#endif

let package = Package(
    name: "ZRPC",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
        .library(name: "ProtobufC", targets: ["ProtobufC"]),
        .library(name: "ZRPC", targets: ["ZRPC"]),
        .library(name: "ZRPCQueue", targets: ["ZRPCQueue"]),
        .library(name: "ZRPCTestKit", targets: ["ZRPCTestKit"]),
        .executable(name: "zrpc-broker", targets: ["zrpc-broker"]),
        .library(name: "ZRPCPubSub", targets: ["ZRPCPubSub"]),
        .executable(name: "zrpc-forwarder", targets: ["zrpc-forwarder"]),
        .executable(name: "queue-chaos", targets: ["queue-chaos"]),
        .library(name: "ZRPCProcessKit", targets: ["ZRPCProcessKit"]),
        .executable(name: "zrpc-gen", targets: ["zrpc-gen"]),
        .executable(name: "zrpc-fault-service", targets: ["zrpc-fault-service"]),
        .executable(name: "zrpc-directory", targets: ["zrpc-directory"]),
        .executable(name: "zrpc-keygen", targets: ["zrpc-keygen"]),
        .plugin(name: "ZRPCGenPlugin", targets: ["ZRPCGenPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.1.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
    ],
    targets: [
        // MARK: C libraries (Debian packages, found through pkg-config where it is needed; SQLite comes through GRDB)
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: zmqPkgConfig,
            providers: [.apt(["libzmq3-dev"])]
        ),
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),

        // MARK: Transport: the only Swift code that calls libzmq
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),

        // MARK: Wire: the only Swift code that calls libprotobuf-c
        .target(name: "ProtobufC", dependencies: ["CProtobufC"]),

        // MARK: Runtime
        .target(
            name: "ZRPCProtocolC",
            dependencies: ["CProtobufC"],
            path: "Sources/ZRPCProtocolC"
        ),
        .target(
            name: "ZRPC",
            dependencies: [
                "ZeroMQ",
                "ProtobufC",
                "ZRPCProtocolC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),

        // MARK: Work queues: pipelines, the durable queue's broker, workers and producers (SQLite through GRDB)
        .target(
            name: "ZRPCQueueProtocolC",
            dependencies: ["CProtobufC"],
            path: "Sources/ZRPCQueueProtocolC"
        ),
        .target(
            name: "ZRPCQueue",
            dependencies: [
                "ZRPC",
                "ZeroMQ",
                "ProtobufC",
                "ZRPCQueueProtocolC",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
        .executableTarget(
            name: "zrpc-broker",
            dependencies: [
                "ZRPC",
                "ZRPCQueue",
                "ZRPCProcessKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
        // A worker process for the queue's tests across processes.
        .executableTarget(
            name: "zrpc-test-worker",
            dependencies: [
                "ZRPC", "ZRPCQueue", "ZRPCTestKit", "ZRPCProcessKit", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ZRPCQueueTests",
            dependencies: [
                "ZRPCQueue", "ZRPC", "ZeroMQ", "ProtobufC", "ZRPCTestKit", "ZRPCProcessKit", "ConformanceMessages",
                "ConformanceServices", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),

        // MARK: Pub/sub: typed publishers and subscriptions, the forwarder (XSUB in, XPUB out)
        .target(
            name: "ZRPCPubSubProtocolC",
            dependencies: ["CProtobufC"],
            path: "Sources/ZRPCPubSubProtocolC"
        ),
        .target(
            name: "ZRPCPubSub",
            dependencies: [
                "ZRPC",
                "ZeroMQ",
                "ProtobufC",
                "ZRPCPubSubProtocolC",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "zrpc-forwarder",
            dependencies: [
                "ZRPC",
                "ZRPCPubSub",
                "ZRPCProcessKit",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A publisher process for the pub/sub tests across processes.
        .executableTarget(
            name: "zrpc-test-publisher",
            dependencies: ["ZRPCPubSub", "ZRPC", "EchoMessages", "ZRPCProcessKit"]
        ),
        .testTarget(
            name: "ZRPCPubSubTests",
            dependencies: [
                "ZRPCPubSub", "ZRPC", "ZeroMQ", "ProtobufC", "EchoMessages", "ZRPCTestKit", "ZRPCProcessKit",
                "ConformanceMessages", "ConformanceServices",
            ]
        ),

        // MARK: Process kit: for processes that run servers (child processes that end with their parent)
        .target(name: "ZRPCProcessKit"),

        // MARK: Test kit (a product, for users' tests too)
        .target(
            name: "ZRPCTestKitProtoC",
            dependencies: ["CProtobufC"],
            path: "Sources/ZRPCTestKitProtoC"
        ),
        .target(
            name: "ZRPCTestKit",
            dependencies: ["ZRPC", "ProtobufC", "ZeroMQ", "ZRPCTestKitProtoC", "ZRPCProcessKit"]
        ),
        .executableTarget(
            name: "zrpc-fault-service",
            dependencies: [
                "ZRPCTestKit",
                "ZRPC",
                "ZRPCProcessKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A hostile client in a process of its own (the over-long message tests).
        .executableTarget(name: "zrpc-test-flood", dependencies: ["ZRPC", "ZeroMQ", "ZRPCTestKit", "ZRPCProcessKit"]),
        .executableTarget(name: "zrpc-keygen", dependencies: ["ZRPC"]),
        .executableTarget(
            name: "zrpc-directory",
            dependencies: [
                "ZRPC",
                "ZRPCProcessKit",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: Code generator
        .target(
            name: "ZRPCDescriptorC",
            dependencies: ["CProtobufC"],
            path: "Sources/ZRPCDescriptorC"
        ),
        .target(name: "ZRPCGenerator", dependencies: ["ProtobufC", "ZRPCDescriptorC", "ZRPCProcessKit"]),
        .executableTarget(name: "zrpc-gen", dependencies: ["ZRPCGenerator"]),
        // Runs zrpc-gen on a package's .proto files during its build (docs/CODEGEN.md, "The build plugin");
        // Examples/PluginDemo uses it, and Scripts/plugin-check.sh builds that example.
        .plugin(name: "ZRPCGenPlugin", capability: .buildTool(), dependencies: ["zrpc-gen"]),

        // MARK: Examples
        .target(
            name: "EchoProtoC",
            dependencies: ["CProtobufC"],
            path: "Examples/Echo/EchoProtoC"
        ),
        .target(
            name: "EchoMessages",
            dependencies: ["EchoProtoC", "ProtobufC", "ZRPC"],
            path: "Examples/Echo/EchoMessages"
        ),
        .target(
            name: "EchoService",
            dependencies: ["EchoMessages", "ZRPC"],
            path: "Examples/Echo/Service"
        ),
        .executableTarget(
            name: "echo-server",
            dependencies: [
                "EchoMessages",
                "EchoService",
                "ZRPC",
                "ZRPCProcessKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/Echo/Server"
        ),
        .executableTarget(
            name: "echo-client",
            dependencies: ["EchoMessages", "ZRPC"],
            path: "Examples/Echo/Client"
        ),

        // MARK: The example cluster (Examples/Cluster/README.md): each service is handler → service → repository
        .target(
            name: "CatalogProtoC",
            dependencies: ["CProtobufC"],
            path: "Examples/Cluster/CatalogProtoC"
        ),
        .target(
            name: "CatalogMessages",
            dependencies: ["CatalogProtoC", "ProtobufC", "ZRPC"],
            path: "Examples/Cluster/CatalogMessages"
        ),
        .target(
            name: "CatalogService",
            dependencies: [
                "CatalogMessages",
                "ZRPC",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            path: "Examples/Cluster/CatalogService"
        ),
        .executableTarget(
            name: "cluster-catalog",
            dependencies: [
                "CatalogService",
                "ZRPC",
                "ZRPCProcessKit",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/Cluster/Catalog"
        ),
        // The orders service (places orders, queues their work through an outbox) and the workers that run it.
        .target(
            name: "OrdersProtoC",
            dependencies: ["CProtobufC"],
            path: "Examples/Cluster/OrdersProtoC"
        ),
        .target(
            name: "OrdersMessages",
            dependencies: ["OrdersProtoC", "ProtobufC", "ZRPC", "ZRPCQueue"],
            path: "Examples/Cluster/OrdersMessages"
        ),
        .target(
            name: "OrdersService",
            dependencies: [
                "OrdersMessages",
                "CatalogMessages",
                "ZRPC",
                "ZRPCQueue",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/Cluster/OrdersService"
        ),
        .executableTarget(
            name: "cluster-orders",
            dependencies: [
                "OrdersService",
                "OrdersMessages",
                "CatalogMessages",
                "ZRPC",
                "ZRPCProcessKit",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/Cluster/Orders"
        ),
        .target(
            name: "WorkerService",
            dependencies: [
                "OrdersMessages",
                "ZRPC",
                "ZRPCQueue",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/Cluster/WorkerService"
        ),
        .executableTarget(
            name: "cluster-worker",
            dependencies: [
                "WorkerService",
                "OrdersMessages",
                "ZRPC",
                "ZRPCQueue",
                "ZRPCProcessKit",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/Cluster/Worker"
        ),
        .target(
            name: "EdgeProtoC",
            dependencies: ["CProtobufC"],
            path: "Examples/Cluster/EdgeProtoC"
        ),
        .target(
            name: "EdgeMessages",
            dependencies: ["EdgeProtoC", "ProtobufC", "ZRPC"],
            path: "Examples/Cluster/EdgeMessages"
        ),
        .target(
            name: "EdgeService",
            dependencies: [
                "EdgeMessages",
                "CatalogMessages",
                "OrdersMessages",
                "ZRPC",
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            path: "Examples/Cluster/EdgeService"
        ),
        .executableTarget(
            name: "cluster-edge",
            dependencies: [
                "EdgeService",
                "EdgeMessages",
                "CatalogMessages",
                "OrdersMessages",
                "ZRPC",
                "ZRPCPubSub",
                "ZRPCProcessKit",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/Cluster/Edge"
        ),
        .target(
            name: "SchedulerService",
            dependencies: [
                "OrdersMessages",
                "ZRPC",
                "ZRPCQueue",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/Cluster/SchedulerService"
        ),
        .executableTarget(
            name: "cluster-scheduler",
            dependencies: [
                "SchedulerService",
                "OrdersMessages",
                "ZRPC",
                "ZRPCProcessKit",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/Cluster/Scheduler"
        ),
        .executableTarget(
            name: "cluster-load",
            dependencies: [
                "EdgeMessages",
                "SoakKit",
                "ZRPC",
                "ZRPCProcessKit",
                "ZRPCQueue",
            ],
            path: "Examples/Cluster/Load"
        ),
        // The soak harness's parts that need no cluster (the chaos schedule, the timeline, the plot) and the
        // load on the edges that cluster-load and zrpc-soak share.
        .target(
            name: "SoakKit",
            dependencies: ["ZRPC", "EdgeMessages", .product(name: "Histogram", package: "hdrhistogram-swift")],
            path: "Examples/Cluster/SoakKit"
        ),
        .executableTarget(
            name: "zrpc-soak",
            dependencies: [
                "SoakKit", "BenchmarkKit", "EdgeMessages", "WorkerService", "ZRPC", "ZRPCQueue",
                "ZRPCTestKit", "ZRPCProcessKit",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Examples/Cluster/Soak"
        ),
        .testTarget(
            name: "ClusterTests",
            dependencies: [
                "CatalogService", "CatalogMessages", "EdgeService", "EdgeMessages", "SoakKit", "ZRPC", "ZRPCTestKit",
                "OrdersService", "OrdersMessages", "SchedulerService", "WorkerService", "ZRPCQueue", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Benchmarks (run with -c release)
        .target(
            name: "ProtobufCBaseline",
            dependencies: ["EchoProtoC"],
            path: "Benchmarks/ProtobufCBaseline"
        ),
        .executableTarget(
            name: "protobufc-benchmark",
            dependencies: ["EchoMessages", "ProtobufC", "ProtobufCBaseline"],
            path: "Benchmarks/ProtobufCBenchmark"
        ),
        .executableTarget(
            name: "rpc-benchmark",
            dependencies: [
                "EchoMessages",
                "ZRPC",
                "ZeroMQ",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/RPCBenchmark"
        ),
        // What the benchmark executables share: child processes, payloads, arguments, figures.
        .target(
            name: "BenchmarkKit",
            dependencies: ["ProtobufC", "ZRPCTestKit"],
            path: "Benchmarks/BenchmarkKit"
        ),
        .executableTarget(
            name: "queue-benchmark",
            dependencies: [
                "BenchmarkKit",
                "ZRPC",
                "ZRPCQueue",
                "ZRPCTestKit",
                "ZeroMQ",
                "ProtobufC",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/QueueBenchmark"
        ),
        .executableTarget(
            name: "pubsub-benchmark",
            dependencies: [
                "BenchmarkKit",
                "ZRPCPubSub",
                "ZRPCTestKit",
                "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/PubSubBenchmark"
        ),

        // Kills workers and the broker under load, then checks nothing confirmed was lost or done twice.
        .executableTarget(
            name: "queue-chaos",
            dependencies: [
                "ZRPC", "ZRPCQueue", "ZRPCTestKit", "ZRPCProcessKit", "zrpc-broker",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/QueueChaos"
        ),

        // MARK: Fuzzing (Scripts/fuzz.sh; docs/SECURITY.md, "Fuzzing"): one function per target over the
        // real parsers, the libFuzzer entry point (built with -sanitize=fuzzer only by the script), and
        // the regression test that runs the committed corpus and every crash found in the plain build.
        .target(
            name: "FuzzTargets",
            dependencies: ["ZRPC", "ZRPCQueue", "ZRPCPubSub", "ZeroMQ", "ProtobufC", "ConformanceMessages"],
            path: "Fuzz/FuzzTargets"
        ),
        .target(name: "CFuzzerDriver", path: "Fuzz/CFuzzerDriver"),
        .executableTarget(name: "zrpc-fuzz", dependencies: ["FuzzTargets", "CFuzzerDriver"], path: "Fuzz/Runner"),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"]),

        // MARK: Tests
        .target(
            name: "ConformanceProtoC",
            dependencies: ["CProtobufC"],
            path: "Tests/Support/ConformanceProtoC"
        ),
        // Messages only (zrpc-gen --emit messages): no dependency on the ZRPC runtime.
        .target(
            name: "ConformanceMessages",
            dependencies: ["ConformanceProtoC", "ProtobufC"],
            path: "Tests/Support/ConformanceMessages"
        ),
        // The same protos' services (zrpc-gen --emit services): RPC, queue and events services.
        .target(
            name: "ConformanceServices",
            dependencies: ["ConformanceMessages", "ZRPC", "ZRPCQueue", "ZRPCPubSub"],
            path: "Tests/Support/ConformanceServices"
        ),
        .testTarget(name: "ProtobufCTests", dependencies: ["ProtobufC", "ConformanceMessages", "ZRPCProcessKit"]),
        .testTarget(
            name: "ZRPCGeneratorTests",
            dependencies: ["ZRPCGenerator", "ConformanceMessages", "ConformanceServices", "ZRPC", "ZRPCPubSub"]
        ),
        .testTarget(
            name: "ZRPCTests",
            dependencies: [
                "ZRPC", "ZeroMQ", "ProtobufC", "ConformanceMessages", "ConformanceServices", "EchoMessages", "EchoService",
                "ZRPCTestKit", "ZRPCProcessKit",
            ]
        ),
    ]
)
