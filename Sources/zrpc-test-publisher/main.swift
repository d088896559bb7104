// zrpc-test-publisher: a publisher process for the pub/sub tests across processes.
//
//   zrpc-test-publisher ENDPOINT --topic T --keys a,b,c --count N [--subscribers S]
//
// Connects to ENDPOINT (a forwarder's publisher side), prints its first line (the endpoint and
// its publisher id), waits for S subscribers (default 0, up to 20 s), publishes N EchoRequests
// on each key in turn (request.sequence 1…N per key), closes, prints
// "published <id> <count per key> discarded <n>" and stays until stopped (so libzmq can deliver
// what it still holds). Exits 1 when the subscribers never came.
//
//   zrpc-test-publisher ENDPOINT --invalidate NAME --subscribe SUBSCRIBER_ENDPOINT --count N [--interval-ms M]
//
// The writer of the cache-invalidation tests: a CacheInterceptor for echo.Echo/Say kept by a
// CacheInvalidator named NAME (ENDPOINT and SUBSCRIBER_ENDPOINT are a forwarder's), prints
// "ready: … connected to ENDPOINT", then writes Say("k") = EchoReply(text: "v<i>", sequence: i),
// version i, for i in 1…N, M ms apart (default 2), prints "written N" and stays until stopped.
import EchoMessages
import Foundation
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
let topic = option("--topic") ?? "test"
let keys = (option("--keys") ?? "a").split(separator: ",").map(String.init)
let count = Int(option("--count") ?? "100") ?? 100
let subscribers = Int(option("--subscribers") ?? "0") ?? 0
let invalidate = option("--invalidate")
let subscribeEndpoint = option("--subscribe")
let interval = Int(option("--interval-ms") ?? "2") ?? 2
let endpoint = arguments.first ?? "tcp://127.0.0.1:7200"
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

if let invalidate, let subscribeEndpoint {
    let cache = try CacheInterceptor(methods: [Echo_Echo.Method.Say.descriptor], timeToLive: .seconds(600))
    let invalidator = try await CacheInvalidator(
        name: invalidate,
        cache: cache,
        publishTo: endpoint,
        subscribeTo: subscribeEndpoint
    )
    say("ready: invalidator \(invalidate) connected to \(endpoint)")
    for version in 1...count {
        try cache.update(
            Echo_Echo.Method.Say.descriptor,
            request: Echo_EchoRequest(text: "k"),
            response: Echo_EchoReply(text: "v\(version)", sequence: Int64(version)),
            version: UInt64(version)
        )
        try await Task.sleep(for: .milliseconds(interval))
    }
    say("written \(invalidator.statistics.published)")
    while true { try await Task.sleep(for: .seconds(3_600)) }
}

var configuration = PublisherConfiguration(highWaterMark: 100_000)
configuration.linger = .seconds(5)
let publisher = try await Publisher<Echo_EchoRequest>(topic: topic, connect: endpoint, configuration: configuration)
say("zrpc-test-publisher connected to \(endpoint) id \(publisher.id)")
do {
    try await publisher.waitForSubscribers(subscribers, timeout: .seconds(20))
} catch {
    say("subscribers missing: \(error)")
    exit(1)
}
for sequence in 1...count {
    for key in keys {
        try await publisher.publish(Echo_EchoRequest(text: "\(topic).\(key)", sequence: Int64(sequence)), key: key)
    }
}
await publisher.close()
say("published \(publisher.id) \(count) discarded \(publisher.statistics.discarded)")
// libzmq delivers what it still holds while the context lives (the linger): the process stays
// until it is stopped (SIGTERM, or its standard input closing), so nothing is cut off at exit.
while true { try await Task.sleep(for: .seconds(3_600)) }
