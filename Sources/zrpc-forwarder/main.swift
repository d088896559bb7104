// zrpc-forwarder: a pub/sub forwarder (PubSubForwarder) in a process of its own. Publishers
// connect to its publisher endpoint, subscribers to its subscriber endpoint.
//
//   swift run zrpc-forwarder [--publishers ENDPOINT] [--subscribers ENDPOINT] [--hwm N] [--depth N]
//                            [--cache PREFIX[,PREFIX…]] [--cache-topics N] [--max-subscriptions N]
//
// --cache keeps the last message of each topic under those prefixes for subscribers that ask for
// a snapshot (ZRPC_FORWARDER_CACHE sets it when the flag is not given); --cache-topics bounds it.
// --max-subscriptions bounds the distinct topic prefixes one subscriber may hold (default 1,024;
// ZRPC_FORWARDER_MAX_SUBSCRIPTIONS when the flag is not given; per CURVE key, or for all plain-text
// subscribers together).
// The endpoints default to tcp://127.0.0.1:7200 and tcp://127.0.0.1:7201 (ZRPC_FORWARDER_PUBLISHERS
// and ZRPC_FORWARDER_SUBSCRIBERS set them when the flags are not given); the first line printed
// names both as bound. SIGTERM or SIGINT stops it and prints its statistics; with
// ZRPC_EXIT_WITH_PARENT=1 it exits when its standard input closes. CURVE (docs/SECURITY.md), each
// side on its own: ZRPC_FORWARDER_PUBLISHERS_CURVE_SECRET_KEY_FILE and
// ZRPC_FORWARDER_PUBLISHERS_CURVE_ALLOW_LIST_FILE, the same with SUBSCRIBERS;
// ZRPC_FORWARDER_AUTHORIZATION_FILE names a file of `<topic prefix> publish|subscribe <key>…` rules
// (`TopicAuthorization`), read at start-up. ZRPC_FORWARDER_LOG_LEVEL sets the log level (notice by
// default).
import Configuration
import Foundation
import Logging
import ServiceLifecycle
import ZRPC
import ZRPCProcessKit
import ZRPCPubSub

ExitWithParent.startIfRequested()

var arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    defer { arguments.removeSubrange(index...(index + 1)) }
    return arguments[index + 1]
}
@MainActor func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("zrpc-forwarder: \(message)\n".utf8))
    exit(2)
}
let environment = ProcessInfo.processInfo.environment
var configuration = ForwarderConfiguration(
    publisherEndpoint: option("--publishers") ?? environment["ZRPC_FORWARDER_PUBLISHERS"] ?? "tcp://127.0.0.1:7200",
    subscriberEndpoint: option("--subscribers") ?? environment["ZRPC_FORWARDER_SUBSCRIBERS"] ?? "tcp://127.0.0.1:7201"
)
if let hwm = option("--hwm") {
    guard let value = Int(hwm), value >= 1 else { fail("--hwm takes a number of messages, 1 or more, not \(hwm)") }
    configuration.highWaterMark = value
}
if let depth = option("--depth") {
    guard let value = Int(depth), value >= 1 else { fail("--depth takes 1 or more, not \(depth)") }
    configuration.statisticsDepth = value
}
if let cache = option("--cache") ?? environment["ZRPC_FORWARDER_CACHE"] {
    configuration.lastValueCache = cache.split(separator: ",").map(String.init)
}
if let topics = option("--cache-topics") {
    guard let value = Int(topics), value >= 0 else { fail("--cache-topics takes 0 or more, not \(topics)") }
    configuration.maxCachedTopics = value
}
if let limit = option("--max-subscriptions") ?? environment["ZRPC_FORWARDER_MAX_SUBSCRIPTIONS"] {
    guard let value = Int(limit), value >= 1 else { fail("--max-subscriptions takes 1 or more, not \(limit)") }
    configuration.maxSubscriptionsPerPeer = value
}
guard arguments.isEmpty else { fail("unknown arguments \(arguments)") }
var logger = Logger(label: "zrpc-forwarder")
do {
    let settings = ConfigReader(provider: EnvironmentVariablesProvider())
    logger.logLevel = try Logger.Level.read(settings, scope: "zrpc.forwarder") ?? .notice
    if let rules = settings.string(forKey: "zrpc.forwarder.authorization-file") {
        configuration.authorization = try TopicAuthorization(contentsOf: rules.trimmingCharacters(in: .whitespaces))
    }
    if let security = try TransportSecurity.read(settings, scope: "zrpc.forwarder.publishers") {
        configuration.publisherSecurity = security
    }
    if let security = try TransportSecurity.read(settings, scope: "zrpc.forwarder.subscribers") {
        configuration.subscriberSecurity = security
    }
} catch {
    fail("\(error)")
}
configuration.logger = logger

let forwarder: PubSubForwarder
do {
    forwarder = try await PubSubForwarder(configuration: configuration)
} catch {
    fail("cannot start: \(error)")
}
FileHandle.standardOutput.write(
    Data(
        ("zrpc-forwarder pid \(ProcessInfo.processInfo.processIdentifier) publishers \(forwarder.publisherEndpoint)"
            + " subscribers \(forwarder.subscriberEndpoint) hwm \(configuration.highWaterMark)\n").utf8
    )
)
let services = ServiceGroup(services: [forwarder], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
try await services.run()
let stats = forwarder.statistics
var report = "zrpc-forwarder in \(stats.messagesIn) out \(stats.messagesOut) malformed \(stats.malformed)"
report +=
    " subscriptions \(stats.activeSubscriptions) over-limit \(stats.subscriptionsOverLimit) welcomes \(stats.welcomes)"
report += " cached \(stats.cachedTopics) snapshots \(stats.snapshots)\n"
for (group, counts) in stats.topics.sorted(by: { $0.key < $1.key }) {
    report += "  \(group): in \(counts.messagesIn) out \(counts.messagesOut)\n"
}
FileHandle.standardOutput.write(Data(report.utf8))
