import Foundation
import Synchronization
import ZRPC

/// The streaming test service (`zrpc.testkit.Streams`): sends, counts and echoes ticks, and
/// reports what its handlers did (ticks written, handlers running and cancelled) and the
/// process's memory, so a test in another process can check flow control and cancellation.
///
/// ```swift
/// let server = Server(configuration: .init(endpoints: ["tcp://127.0.0.1:*"]), services: [StreamService()])
/// let streams = Zrpc_Testkit_Streams.Client(wrapping: client)
/// let last = try await streams.ticks(.init(count: 1_000)) { ticks in
///     try await ticks.reduce(0) { _, tick in tick.sequence }
/// }
/// ```
public final class StreamService: Zrpc_Testkit_Streams.ServiceProtocol, Sendable {
    private struct Counters {
        var written: UInt64 = 0
        var running: UInt64 = 0
        var cancelled: UInt64 = 0
    }

    private let counters = Mutex(Counters())

    /// Creates the service.
    public init() {}

    /// What the handlers have done so far (without the memory figures).
    public var stats: Zrpc_Testkit_StreamStats {
        counters.withLock {
            Zrpc_Testkit_StreamStats(written: $0.written, runningHandlers: $0.running, cancelledHandlers: $0.cancelled)
        }
    }

    public func ticks(
        _ request: Zrpc_Testkit_TickRequest,
        writer: MessageWriter<Zrpc_Testkit_Tick>,
        context: ServerContext
    ) async throws {
        try await tracked {
            counters.withLock { $0.written = 0 }
            let padding = [UInt8](repeating: 0x5a, count: Int(request.padding))
            var sequence: UInt64 = 0
            while request.count == 0 || sequence < request.count {
                if request.intervalMillis > 0 { try await Task.sleep(for: .milliseconds(request.intervalMillis)) }
                sequence += 1
                try await writer.write(Zrpc_Testkit_Tick(sequence: sequence, padding: padding))
                counters.withLock { $0.written = sequence }
            }
        }
    }

    public func count(
        _ requests: MessageStream<Zrpc_Testkit_Tick>,
        context: ServerContext
    ) async throws -> Zrpc_Testkit_TickSummary {
        try await tracked {
            var summary = Zrpc_Testkit_TickSummary()
            for try await tick in requests {
                summary.count += 1
                summary.sequenceSum &+= tick.sequence
            }
            return summary
        }
    }

    public func echo(
        _ requests: MessageStream<Zrpc_Testkit_Tick>,
        writer: MessageWriter<Zrpc_Testkit_Tick>,
        context: ServerContext
    ) async throws {
        try await tracked {
            counters.withLock { $0.written = 0 }
            for try await tick in requests {
                try await writer.write(tick)
                counters.withLock { $0.written += 1 }
            }
        }
    }

    public func getStreamStats(
        _ request: Zrpc_Testkit_StreamStatsRequest,
        context: ServerContext
    ) async throws -> Zrpc_Testkit_StreamStats {
        var stats = stats
        let memory = ProcessMemory.current()
        stats.residentBytes = memory.resident
        stats.peakResidentBytes = memory.peakResident
        return stats
    }

    /// Counts a handler as running while `body` runs, and as cancelled when it ends because its
    /// task was cancelled.
    private func tracked<Result>(_ body: () async throws -> Result) async throws -> Result {
        counters.withLock { $0.running += 1 }
        defer {
            let cancelled = Task.isCancelled
            counters.withLock {
                $0.running -= 1
                if cancelled { $0.cancelled += 1 }
            }
        }
        return try await body()
    }
}

/// The process's resident memory, from `/proc/self/status` (zero where there is none).
public struct ProcessMemory: Sendable {
    /// Resident now (`VmRSS`), in bytes.
    public let resident: UInt64
    /// The peak resident size so far (`VmHWM`), in bytes.
    public let peakResident: UInt64

    /// Reads the figures now.
    public static func current() -> ProcessMemory {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
            return ProcessMemory(resident: 0, peakResident: 0)
        }
        func kibibytes(_ key: String) -> UInt64 {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return 0 }
            let digits = line.dropFirst(key.count + 1).filter(\.isNumber)
            return (UInt64(digits) ?? 0) * 1024
        }
        return ProcessMemory(resident: kibibytes("VmRSS"), peakResident: kibibytes("VmHWM"))
    }
}
