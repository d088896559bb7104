import Foundation
import Synchronization
import Testing
import ZRPC
import ZRPCTestKit

/// A message of a million empty frames costs its sender two bytes a frame. libzmq hands it to the
/// server only once all of it has arrived, one frame per read, so the server cannot refuse it
/// before reading it: it drops it a slice at a time between its other work, and hands the memory
/// libzmq held for it back to the system afterwards.
@Suite("A message of a million frames", .serialized)
struct ManyFramesTests {
    @Test("a million empty frames in one message: dropped, others still served, memory handed back")
    func millionEmptyFrames() async throws {
        // Under AddressSanitizer a fifth as many, and memory is only reported: freed memory sits in
        // ASan's quarantine.
        let sanitized = ProcessInfo.processInfo.environment["ZRPC_SANITIZED"] == "1"
        let frameCount = sanitized ? 200_000 : 1_000_000
        let process = try await ServerProcess.start("zrpc-fault-service")
        let running = try await RunningClient.started(
            configuration: .init(endpoints: [process.endpoint], defaultTimeout: .seconds(10))
        )
        let faulty = Zrpc_Testkit_Faulty.Client(wrapping: running.client)
        let streams = Zrpc_Testkit_Streams.Client(wrapping: running.client)
        _ = try await faulty.read(.init(key: "warm-up"))
        let before = try await streams.getStreamStats(.init())

        // A well-behaved client calls one call after another the whole time.
        let hostileDone = Atomic<Bool>(false)
        let goodClient = Task { () -> (calls: Int, failures: Int, worst: Duration) in
            var (calls, failures, worst) = (0, 0, Duration.zero)
            while !hostileDone.load(ordering: .relaxed) {
                let started = ContinuousClock.now
                do { _ = try await faulty.read(.init(key: "good")) } catch { failures += 1 }
                worst = max(worst, started.duration(to: .now))
                calls += 1
            }
            return (calls, failures, worst)
        }

        // The sender is a process of its own: libzmq queues a million messages on the sending side.
        let flood = try await ChildProcess.runToEnd(
            "zrpc-test-flood",
            arguments: [process.endpoint, "\(frameCount)"],
            within: .seconds(60)
        )
        print(flood.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(flood.status == 0, "the call sent after the long message was not answered: \(flood.output)")
        try await Task.sleep(for: .milliseconds(200))  // the good client's calls after the drop
        hostileDone.store(true, ordering: .relaxed)
        let good = await goodClient.value
        let after = try await streams.getStreamStats(.init())
        let mebibyte = Double(1 << 20)
        print(
            "\(frameCount) empty frames: good client \(good.calls) calls, \(good.failures) failed, worst \(good.worst);",
            String(
                format: "server RSS %.0f MiB before, peak %.0f MiB, %.0f MiB after",
                Double(before.residentBytes) / mebibyte,
                Double(after.peakResidentBytes) / mebibyte,
                Double(after.residentBytes) / mebibyte
            )
        )
        #expect(good.failures == 0)
        #expect(good.worst < (sanitized ? .seconds(8) : .seconds(2)), "worst \(good.worst)")
        if !sanitized {
            #expect(
                after.residentBytes < before.residentBytes + 48 << 20,
                "the memory libzmq held for the message was kept: \(after.residentBytes) bytes against \(before.residentBytes)"
            )
        }
        await running.cancel()
        await process.stop()
    }
}
