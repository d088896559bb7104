import Foundation
import Synchronization
import Testing
import ZRPC
import ZRPCTestKit

extension MemorySensitiveTests {
    /// Streams to a server in another process (`zrpc-fault-service`, which hosts ``StreamService``):
    /// a million messages in bounded memory, a stalled reader, cancellation and a deadline mid-stream.
    /// Each test starts a process of its own, since the service's counters are per process.
    @Suite("Streaming across processes", .serialized)
    struct StreamingAcrossProcessesTests {
        /// Runs `body` with a client of a fresh `zrpc-fault-service` process.
        private func withRemoteStreams(
            window: Int = 128,
            _ body: (Zrpc_Testkit_Streams.Client) async throws -> Void
        ) async throws {
            let process = try await ServerProcess.start("zrpc-fault-service")
            var configuration = Client.Configuration(endpoints: [process.endpoint], defaultTimeout: .seconds(120))
            configuration.streamWindow = window
            let running = try await RunningClient.started(configuration: configuration)
            do {
                try await body(Zrpc_Testkit_Streams.Client(wrapping: running.client))
            } catch {
                await running.cancel()
                await process.stop()
                throw error
            }
            await running.cancel()
            await process.stop()
        }

        @Test("a million small messages on one stream, in bounded memory on both sides")
        func millionMessages() async throws {
            // Under AddressSanitizer (Scripts/leak-check.sh) a fifth as many: the point there is memory
            // safety, and a million take a minute; freed memory also sits in ASan's quarantine
            // (256 MiB) before reuse, so resident size says little and the bound is only a sanity check.
            let sanitized = ProcessInfo.processInfo.environment["ZRPC_SANITIZED"] == "1"
            try await withRemoteStreams { streams in
                let total: UInt64 = sanitized ? 200_000 : 1_000_000
                let clientBefore = ProcessMemory.current()
                var atTenth = Zrpc_Testkit_StreamStats()
                let started = ContinuousClock.now
                let (count, last) = try await streams.ticks(.init(count: total, padding: 16)) { ticks in
                    var count: UInt64 = 0
                    var last: UInt64 = 0
                    for try await tick in ticks {
                        count += 1
                        last = tick.sequence
                        if count == total / 10 { atTenth = try await streams.getStreamStats(.init()) }
                    }
                    return (count, last)
                }
                let elapsed = started.duration(to: .now)
                #expect(count == total)
                #expect(last == total)
                let server = try await streams.getStreamStats(.init())
                let serverGrowth = Int64(server.peakResidentBytes) - Int64(atTenth.residentBytes)
                let clientGrowth = Int64(ProcessMemory.current().peakResident) - Int64(clientBefore.resident)
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                print(
                    "streamed \(count) messages in \(elapsed) (\(Int(Double(count) / seconds)) per second);"
                        + " server peak RSS \(server.peakResidentBytes >> 20) MiB (grew \(serverGrowth >> 20) MiB after the first tenth);"
                        + " this process grew \(clientGrowth >> 20) MiB"
                )
                // A queue of a million 20-byte messages would be well over 100 MiB in either process.
                let serverBound: Int64 = sanitized ? 1 << 30 : 32 << 20
                let clientBound: Int64 = sanitized ? 1 << 30 : 64 << 20
                #expect(serverGrowth < serverBound, "the server's peak grew by \(serverGrowth >> 20) MiB")
                #expect(clientGrowth < clientBound, "this process grew by \(clientGrowth >> 20) MiB")
            }
        }

        @Test("a reader that stops reading stalls the writer in the other process")
        func stalledReader() async throws {
            try await withRemoteStreams(window: 32) { streams in
                try await streams.ticks(.init(count: 0)) { ticks in
                    var iterator = ticks.makeAsyncIterator()
                    for _ in 0..<10 { _ = try await iterator.next() }
                    let written = try await settled { try await streams.getStreamStats(.init()).written }
                    // 32 granted up front; taking 10 grants nothing back (credit returns in 16s).
                    #expect(written >= 10)
                    #expect(written <= 32, "the writer got \(written) messages out with a window of 32")
                }
                // Leaving the closure early cancelled the stream: the handler ends.
                let stats = try await settled { try await streams.getStreamStats(.init()) }
                #expect(stats.runningHandlers == 0)
                #expect(stats.cancelledHandlers == 1)
            }
        }

        @Test("cancelling the reading task ends the handler in the other process")
        func cancelMidStream() async throws {
            try await withRemoteStreams { streams in
                let received = Atomic<Int>(0)
                let reader = Task {
                    try await streams.ticks(.init(count: 0, intervalMillis: 1)) { ticks in
                        for try await _ in ticks { received.add(1, ordering: .relaxed) }
                    }
                }
                #expect(await eventually { received.load(ordering: .relaxed) >= 10 })
                reader.cancel()
                #expect(try await rpcError { try await reader.value }.code == .cancelled)
                let stats = try await settled { try await streams.getStreamStats(.init()) }
                #expect(stats.runningHandlers == 0)
                #expect(stats.cancelledHandlers == 1)
            }
        }

        @Test("a deadline mid-stream ends the caller and the handler in the other process")
        func deadlineMidStream() async throws {
            try await withRemoteStreams { streams in
                var received = 0
                let error = try await rpcError {
                    let options = CallOptions(timeout: .seconds(1))
                    return try await streams.ticks(.init(count: 0, intervalMillis: 5), options: options) { ticks in
                        for try await _ in ticks { received += 1 }
                    }
                }
                #expect(error.code == .deadlineExceeded)
                #expect(received > 0)
                let stats = try await settled { try await streams.getStreamStats(.init()) }
                #expect(stats.runningHandlers == 0)
                #expect(stats.cancelledHandlers == 1)
            }
        }
    }
}
