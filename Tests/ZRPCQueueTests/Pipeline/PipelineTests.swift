import Foundation
import Testing
import ZRPC
import ZRPCQueue
import ZeroMQ

/// Typed PUSH/PULL pipelines: delivery over every transport, fair distribution, back-pressure at
/// the high-water mark (wait or fail, always counted), and hostile frames.
@Suite("Pipelines")
struct PipelineTests {
    @Test("messages arrive typed and in order", arguments: ["inproc", "ipc", "tcp"])
    func roundTrip(transport: String) async throws {
        let context = try TransportContext()
        let receiver = try await PipelineReceiver<Job>(
            bind: uniqueEndpoint(transport),
            configuration: .init(transportContext: context)
        )
        let sender = try await PipelineSender<Job>(
            connect: receiver.endpoints,
            configuration: .init(transportContext: context)
        )
        if transport == "tcp" { #expect(receiver.endpoints[0].hasPrefix("tcp://127.0.0.1:")) }
        let sent = (0..<200).map(job)
        for message in sent { try await sender.send(message) }
        let received = try await receive(sent.count, from: receiver)
        #expect(received == sent)
        await sender.close()
        #expect(
            sender.statistics
                == {
                    var s = PipelineSenderStatistics(); s.sent = 200; return s
                }()
        )
        #expect(receiver.statistics.received == 200)
        #expect(receiver.statistics.malformed == 0)
        await receiver.close()
    }

    @Test("a bound sender spreads 1000 messages evenly over 3 receivers")
    func fairDistribution() async throws {
        let context = try TransportContext()
        let sender = try await PipelineSender<Job>(
            bind: uniqueEndpoint("inproc"),
            configuration: .init(transportContext: context)
        )
        var receivers: [PipelineReceiver<Job>] = []
        for _ in 0..<3 {
            receivers.append(
                try await PipelineReceiver<Job>(
                    connect: sender.endpoints,
                    configuration: .init(transportContext: context)
                )
            )
        }
        for index in 0..<1000 { try await sender.send(job(index)) }
        let counts = try await within { [receivers] in
            try await withThrowingTaskGroup(of: [String].self) { group in
                let (arrivals, arrived) = AsyncStream.makeStream(of: Void.self)
                for receiver in receivers {
                    group.addTask {
                        var keys: [String] = []
                        for try await message in receiver {
                            keys.append(message.key)
                            arrived.yield()
                        }
                        return keys
                    }
                }
                var total = 0
                for await _ in arrivals {
                    total += 1
                    if total == 1000 { break }
                }
                for receiver in receivers { await receiver.close() }
                var all: [[String]] = []
                for try await keys in group { all.append(keys) }
                return all
            }
        }
        #expect(counts.map(\.count).reduce(0, +) == 1000)
        #expect(Set(counts.flatMap { $0 }).count == 1000)
        for keys in counts {
            #expect((300...367).contains(keys.count), "shares: \(counts.map(\.count))")
        }
        await sender.close()
    }

    @Test("a full pipeline with .fail throws RESOURCE_EXHAUSTED, counts it, and loses nothing it accepted")
    func fullPipelineFails() async throws {
        let context = try TransportContext()
        let receiver = try await PipelineReceiver<Job>(
            bind: uniqueEndpoint("inproc"),
            configuration: .init(highWaterMark: 10, transportContext: context)
        )
        let sender = try await PipelineSender<Job>(
            connect: receiver.endpoints,
            configuration: .init(highWaterMark: 10, whenFull: .fail, transportContext: context)
        )
        var accepted = 0
        var refusal: RPCError?
        while accepted < 100_000 {
            do {
                try await sender.send(job(accepted))
                accepted += 1
            } catch let error as RPCError {
                refusal = error
                break
            }
        }
        #expect(refusal?.code == .resourceExhausted)
        #expect(refusal?.neverReachedServer == true)
        #expect(accepted >= 10)
        #expect(sender.statistics.refusedFull == 1)
        #expect(sender.statistics.sent == accepted)
        #expect(sender.statistics.waitedFull == 0)
        // Everything accepted arrives, in order: a refusal is the only way a message is not sent.
        let received = try await receive(accepted, from: receiver)
        #expect(received.map(\.key) == (0..<accepted).map { job($0).key })
        await sender.close()
        #expect(sender.statistics.discarded == 0)
        await receiver.close()
    }

    @Test("a full pipeline with .wait waits, and sends once the receiver drains")
    func fullPipelineWaits() async throws {
        let context = try TransportContext()
        let receiver = try await PipelineReceiver<Job>(
            bind: uniqueEndpoint("inproc"),
            configuration: .init(highWaterMark: 10, transportContext: context)
        )
        let sender = try await PipelineSender<Job>(
            connect: receiver.endpoints,
            configuration: .init(highWaterMark: 10, whenFull: .wait(timeout: .seconds(30)), transportContext: context)
        )
        // Far more than the pipeline holds (its stages hold about 10 each), with nobody reading:
        // the task runs on this thread until a send has to wait.
        let total = 300
        let sending = Task.immediate {
            for index in 0..<total { try await sender.send(job(index)) }
        }
        #expect(sender.statistics.waitedFull >= 1)
        #expect(sender.statistics.sent < total)
        let received = try await receive(total, from: receiver)
        try await within { try await sending.value }
        #expect(received.map(\.key) == (0..<total).map { job($0).key })
        #expect(sender.statistics.sent == total)
        #expect(sender.statistics.refusedFull == 0)
        await sender.close()
        await receiver.close()
    }

    @Test("a send that waits longer than its timeout throws RESOURCE_EXHAUSTED and is counted")
    func waitTimesOut() async throws {
        let context = try TransportContext()
        let receiver = try await PipelineReceiver<Job>(
            bind: uniqueEndpoint("inproc"),
            configuration: .init(highWaterMark: 5, transportContext: context)
        )
        let sender = try await PipelineSender<Job>(
            connect: receiver.endpoints,
            configuration: .init(
                highWaterMark: 5,
                whenFull: .wait(timeout: .milliseconds(100)),
                transportContext: context
            )
        )
        let (accepted, refusal) = try await within { () -> (Int, RPCError?) in
            var accepted = 0
            while accepted < 100_000 {
                do {
                    try await sender.send(job(accepted))
                    accepted += 1
                } catch let error as RPCError {
                    return (accepted, error)
                }
            }
            return (accepted, nil)
        }
        #expect(refusal?.code == .resourceExhausted)
        #expect(sender.statistics.refusedFull == 1)
        #expect(sender.statistics.waitedFull >= 1)
        #expect(sender.statistics.sent == accepted)
        let received = try await receive(accepted, from: receiver)
        #expect(received.map(\.key) == (0..<accepted).map { job($0).key })
        await sender.close()
        await receiver.close()
    }

    @Test("malformed messages are counted and skipped; the receiver goes on")
    func malformedMessages() async throws {
        let context = try TransportContext()
        let receiver = try await PipelineReceiver<Job>(
            bind: uniqueEndpoint("inproc"),
            configuration: .init(transportContext: context)
        )
        let push = try Socket(context.context, type: .push)
        defer { push.close() }
        try push.set(.sendTimeout, .seconds(5))
        try push.connect(receiver.endpoints[0])
        let valid = try job(1).serializedBytes()
        let hostile: [[Frame]] = [
            [try Frame("ZRPC01"), try Frame(bytes: valid)],  // another protocol
            [try Frame("ZRPP02"), try Frame(bytes: valid)],  // another version
            [try Frame(bytes: valid)],  // no signature
            [try Frame("ZRPP01"), try Frame(bytes: valid), try Frame(bytes: valid)],  // a frame too many
            [try Frame("ZRPP01"), try Frame(bytes: [0x0A, 0x05, 0x41])],  // truncated field
            [
                try Frame("ZRPP01"),
                try Frame(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
            ],
            [Frame(), Frame()],
        ]
        for message in hostile { #expect(try push.send(message)) }
        #expect(try push.send([try Frame("ZRPP01"), try Frame(bytes: valid)]))
        let received = try await receive(1, from: receiver)
        #expect(received == [job(1)])
        #expect(receiver.statistics.malformed == hostile.count)
        #expect(receiver.statistics.received == 1)
        await receiver.close()
    }

    @Test("closing a sender no receiver takes from counts what it discards")
    func closeCountsDiscarded() async throws {
        let sender = try await PipelineSender<Job>(
            connect: uniqueEndpoint("ipc"),  // nobody listens there
            configuration: .init(highWaterMark: 10, whenFull: .fail, linger: .milliseconds(50))
        )
        for index in 0..<4 { try await sender.send(job(index)) }
        await sender.close()
        #expect(sender.statistics.sent == 4)
        #expect(sender.statistics.discarded == 4)
        await #expect(throws: RPCError.self) { try await sender.send(job(5)) }
    }

    @Test("a bad endpoint is INVALID_ARGUMENT; a taken one is UNAVAILABLE")
    func setupErrors() async throws {
        await #expect(throws: RPCError.self) {
            _ = try await PipelineSender<Job>(bind: "nonsense://here")
        }
        let receiver = try await PipelineReceiver<Job>(bind: "tcp://127.0.0.1:*")
        do {
            _ = try await PipelineReceiver<Job>(bind: receiver.endpoints[0])
            Issue.record("binding a bound port succeeded")
        } catch let error as RPCError {
            #expect(error.code == .unavailable)
        }
        do {
            _ = try await PipelineSender<Job>(bind: "nonsense://here")
        } catch let error as RPCError {
            #expect(error.code == .invalidArgument)
        }
        await receiver.close()
    }
}
