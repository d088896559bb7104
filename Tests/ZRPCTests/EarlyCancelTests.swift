import Testing
import ZeroMQ

@testable import ZRPC

/// Cancels that reach the client's I/O thread before their call's start, driven straight through
/// a ``ClientDriver`` (no thread, no server: its socket is never connected).
@Suite("Early cancels")
struct EarlyCancelTests {
    /// A call with empty frames and a far deadline.
    static func call(
        _ id: UInt64,
        _ continuation: UnsafeContinuation<TransportResponse, any Error>
    ) -> ClientDriver.Call {
        ClientDriver.Call(
            id: id,
            header: Frame(),
            payload: Frame(),
            deadline: .now.advanced(by: .seconds(60)),
            continuation: continuation
        )
    }

    /// Hands call `id` to the driver between `before` and `after`, which must end it (a cancel,
    /// or stopping the driver), and returns the code it ended with.
    static func start(
        _ id: UInt64,
        on driver: ClientDriver,
        before: () -> Void = {},
        after: () -> Void
    ) async -> RPCError.Code? {
        do {
            _ = try await withUnsafeThrowingContinuation { continuation in
                before()
                driver.handle(.start(call(id, continuation)))
                after()
            }
            return nil
        } catch {
            return (error as? RPCError)?.code
        }
    }

    @Test("a cancel that arrives before its start is kept, however many cancels came for finished calls")
    func earlyCancelSurvivesLateOnes() async throws {
        let context = try Context()
        defer { context.shutdown() }
        let driver = try ClientDriver(
            context: context,
            configuration: .init(endpoints: []),
            statistics: ClientStatistics()
        )
        // Calls 1…4,096 start and are cancelled; each then gets a second cancel, as when a call
        // ends just before its caller's cancellation handler runs.
        for id in UInt64(1)...4_096 {
            let code = await Self.start(id, on: driver, after: { driver.handle(.cancel(id)) })
            #expect(code == .cancelled)
            driver.handle(.cancel(id))  // late: the call is over
        }
        // Call 4,097 is cancelled before its start reaches the driver; a call the driver forgot
        // was cancelled would stay pending, so stopping the driver ends it (UNAVAILABLE).
        let code = await Self.start(
            4_097,
            on: driver,
            before: { driver.handle(.cancel(4_097)) },
            after: { driver.stop() }
        )
        #expect(code == .cancelled)
    }

    @Test("late cancels are dropped, early ones kept until their start, whatever order calls start in")
    func record() {
        var early = EarlyCancels()
        let startedTwo = early.start(2)  // out of order: 1 is still on its way
        #expect(!startedTwo)
        early.cancel(2)  // late: 2 started
        early.cancel(1)  // early
        #expect(early.count == 1)
        let startedOne = early.start(1)
        #expect(startedOne)
        #expect(early.lowestNotStarted == 3)
        early.skip(3)  // never starts (its request did not encode)
        early.cancel(3)
        #expect(early.count == 0)
        for id in UInt64(4)...10_000 {
            early.cancel(id - 1)  // late
            let wasCancelled = early.start(id)
            #expect(!wasCancelled)
        }
        #expect(early.count == 0 && early.lowestNotStarted == 10_001)
    }
}
