import Foundation
import Synchronization
import Testing
import ZRPC
import ZRPCTestKit

/// Server, client and bidirectional streams in this process, over every transport and without
/// sockets: order, flow control, cancellation, deadlines, and interceptors.
@Suite("Streaming")
struct StreamingTests {
    @Test("a server stream delivers every message in order", arguments: StreamPlace.allCases)
    func serverStream(place: StreamPlace) async throws {
        try await withStreams(place) { streams, _ in
            let sequences = try await streams.ticks(.init(count: 2_000)) { ticks in
                try await ticks.reduce(into: [UInt64]()) { $0.append($1.sequence) }
            }
            #expect(sequences == Array(1...2_000))
        }
    }

    @Test("a client stream's messages all reach the handler, which answers once", arguments: StreamPlace.allCases)
    func clientStream(place: StreamPlace) async throws {
        try await withStreams(place) { streams, _ in
            let summary = try await streams.count { writer in
                for sequence in 1...1_500 as ClosedRange<UInt64> {
                    try await writer.write(Zrpc_Testkit_Tick(sequence: sequence))
                }
            }
            #expect(summary.count == 1_500)
            #expect(summary.sequenceSum == 1_500 * 1_501 / 2)
        }
    }

    @Test("a bidirectional stream echoes while the client still writes", arguments: StreamPlace.allCases)
    func bidirectional(place: StreamPlace) async throws {
        try await withStreams(place) { streams, _ in
            let echoed = try await streams.echo { writer, replies in
                try await withThrowingTaskGroup(of: [UInt64].self) { group in
                    group.addTask {
                        for sequence in 1...1_000 as ClosedRange<UInt64> {
                            try await writer.write(Zrpc_Testkit_Tick(sequence: sequence))
                        }
                        writer.finish()
                        return []
                    }
                    group.addTask { try await replies.reduce(into: [UInt64]()) { $0.append($1.sequence) } }
                    var echoed: [UInt64] = []
                    for try await part in group { echoed += part }
                    return echoed
                }
            }
            #expect(echoed == Array(1...1_000))
        }
    }

    @Test("an empty client stream is a valid stream", arguments: [StreamPlace.inProcess, .tcp])
    func emptyClientStream(place: StreamPlace) async throws {
        try await withStreams(place) { streams, _ in
            let summary = try await streams.count { _ in }
            #expect(summary.count == 0)
        }
    }

    @Test("a reader that stops reading stalls the writer within the window", arguments: StreamPlace.allCases)
    func slowReaderStallsWriter(place: StreamPlace) async throws {
        try await withStreams(place, configureClient: { $0.streamWindow = 16 }) { streams, service in
            try await streams.ticks(.init(count: 0)) { ticks in
                var iterator = ticks.makeAsyncIterator()
                for _ in 0..<5 { _ = try await iterator.next() }
                let stalled = await settled { service.stats.written }
                // 16 granted up front; taking 5 of them grants nothing back (credit returns in 8s).
                #expect(stalled <= 16, "the writer got \(stalled) messages out with a window of 16")
                #expect(stalled >= 5)
                // Reading more lets it go on, by as much as was read.
                for _ in 0..<40 { _ = try await iterator.next() }
                let resumed = await settled { service.stats.written }
                #expect(resumed > stalled)
                #expect(resumed <= 45 + 16)
            }
            // Returning early cancelled the call: the handler ends.
            #expect(await eventually { service.stats.runningHandlers == 0 })
            #expect(service.stats.cancelledHandlers == 1)
        }
    }

    @Test("cancelling the task that reads ends the handler", arguments: StreamPlace.allCases)
    func cancelMidStream(place: StreamPlace) async throws {
        try await withStreams(place) { streams, service in
            let received = Atomic<Int>(0)
            let reader = Task {
                try await streams.ticks(.init(count: 0)) { ticks in
                    for try await _ in ticks { received.add(1, ordering: .relaxed) }
                }
            }
            #expect(await eventually { received.load(ordering: .relaxed) >= 10 })
            reader.cancel()
            let error = try await rpcError { try await reader.value }
            #expect(error.code == .cancelled)
            #expect(await eventually { service.stats.runningHandlers == 0 })
            #expect(service.stats.cancelledHandlers == 1)
        }
    }

    @Test("a deadline mid-stream ends both sides with DEADLINE_EXCEEDED", arguments: StreamPlace.allCases)
    func deadlineMidStream(place: StreamPlace) async throws {
        try await withStreams(place) { streams, service in
            var received = 0
            let error = try await rpcError {
                // Long enough for the first ticks even when every suite runs at once (under ASan, a
                // loaded two-core machine has held a new call back for more than 5 s).
                let sanitized = ProcessInfo.processInfo.environment["ZRPC_SANITIZED"] == "1"
                let options = CallOptions(timeout: .seconds(sanitized ? 15 : 5))
                return try await streams.ticks(.init(count: 0, intervalMillis: 5), options: options) { ticks in
                    for try await _ in ticks { received += 1 }
                }
            }
            #expect(error.code == .deadlineExceeded)
            #expect(received > 0)
            #expect(await eventually { service.stats.runningHandlers == 0 })
            #expect(service.stats.cancelledHandlers == 1)
        }
    }

    @Test("a stream opened on a unary method, and a unary call to a streaming one, are INVALID_ARGUMENT")
    func kindMismatch() async throws {
        try await withStreams(.tcp) { streams, _ in
            let client = streams.client
            let unaryOnStream = try await rpcError {
                try await client.unary(
                    Zrpc_Testkit_Streams.Method.Ticks.descriptor,
                    request: Zrpc_Testkit_TickRequest(count: 1),
                    responseType: Zrpc_Testkit_Tick.self
                )
            }
            #expect(unaryOnStream.code == .invalidArgument)
            #expect(unaryOnStream.message.contains("open the call as a stream"))
            let streamOnUnary = try await rpcError {
                try await client.serverStreaming(
                    Zrpc_Testkit_Streams.Method.GetStreamStats.descriptor,
                    request: Zrpc_Testkit_StreamStatsRequest(),
                    responseType: Zrpc_Testkit_StreamStats.self
                ) { try await $0.reduce(0) { count, _ in count + 1 } }
            }
            #expect(streamOnUnary.code == .invalidArgument)
            #expect(streamOnUnary.message.contains("is unary"))
        }
    }

    @Test("interceptors on both sides wrap a stream and see its metadata", arguments: StreamPlace.allCases)
    func interceptors(place: StreamPlace) async throws {
        let seen = StreamingFlags()
        try await withStreams(
            place,
            configureServer: { $0.interceptors = [RequireTenant()] },
            configureClient: { $0.interceptors = [RecordStreaming(seen: seen)] }
        ) { streams, _ in
            let refused = try await rpcError {
                try await streams.ticks(.init(count: 3)) { try await $0.reduce(0) { count, _ in count + 1 } }
            }
            #expect(refused.code == .permissionDenied)
            let count = try await streams.ticks(.init(count: 3), options: .init(metadata: ["tenant": "acme"])) {
                try await $0.reduce(0) { count, _ in count + 1 }
            }
            #expect(count == 3)
        }
        #expect(seen.values.withLock { $0 } == [true, true])
    }
}

/// Refuses calls without a `tenant` entry.
private struct RequireTenant: ServerInterceptor {
    func intercept(
        _ request: ServerRequest,
        next: @Sendable (ServerRequest) async throws -> SerializedMessage
    ) async throws -> SerializedMessage {
        guard request.context.metadata["tenant"] != nil else {
            throw RPCError(code: .permissionDenied, message: "no tenant")
        }
        return try await next(request)
    }
}

/// Records whether each call it wraps streams.
private struct RecordStreaming: ClientInterceptor {
    let seen: StreamingFlags

    func intercept(
        _ request: ClientRequest,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        seen.values.withLock { $0.append(request.isStreaming) }
        return try await next(request)
    }
}

/// What ``RecordStreaming`` saw, call by call.
private final class StreamingFlags: Sendable {
    let values = Mutex<[Bool]>([])
}
