import ConformanceMessages
import ConformanceServices
import Foundation
import ProtobufC
import ZRPC

typealias TestRPC = Zrpc_Test_Rpc_TestService
typealias CallRequest = Zrpc_Test_Rpc_CallRequest
typealias CallReply = Zrpc_Test_Rpc_CallReply

/// The service the request/reply tests call: each request says how to behave.
struct TestService: TestRPC.ServiceProtocol {
    let events: EventRecorder
    let gates: Gates
    var name = "test-service"
    /// Where `Relay` forwards its request (a client of another server).
    var relay: TestRPC.Client?

    func call(_ request: CallRequest, context: ServerContext) async throws -> CallReply {
        events.record("started:\(request.text)")
        if request.blockMillis > 0 { usleep(useconds_t(request.blockMillis * 1_000)) }  // holds the thread
        if !request.blockingGate.isEmpty { gates.block(until: request.blockingGate) }
        if gates.isOpen("service-down") {
            throw RPCError(code: .unavailable, message: "the service is down (test switch)")
        }
        if context.attempt < request.failUntilAttempt {
            throw RPCError(
                code: .unavailable,
                message: "attempt \(context.attempt) fails on purpose",
                retryAfter: request.retryAfterMillis > 0 ? .milliseconds(request.retryAfterMillis) : nil
            )
        }
        let remaining = context.remainingTime
        do {
            if !request.gate.isEmpty {
                try await gates.wait(request.gate)
            }
            if request.delayMillis > 0 {
                try await Task.sleep(for: .milliseconds(request.delayMillis))
            }
        } catch {
            events.record("cancelled:\(request.text)")
            throw error
        }
        if request.failCode != 0 {
            throw RPCError(
                code: .init(rawValue: request.failCode),
                message: request.failMessage,
                metadata: ["failed-by": name]
            )
        }
        if !request.crashWith.isEmpty {
            throw TestCrash(secret: request.crashWith)
        }
        context.setTrailer("served-by", name)
        var metadata: ProtobufMap<String, String> = [:]
        for entry in context.metadata { metadata[entry.key] = entry.value }
        events.record("finished:\(request.text)")
        return CallReply(
            text: request.text,
            metadata: metadata,
            remainingMillis: Int64(
                remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
            ),
            attempt: context.attempt,
            idempotencyKey: context.idempotencyKey,
            servedBy: name
        )
    }

    func read(_ request: CallRequest, context: ServerContext) async throws -> CallReply {
        try await call(request, context: context)
    }

    func measure(_ request: Zrpc_Test_Rpc_GroveRequest, context: ServerContext) async throws -> Zrpc_Test_Rpc_GroveReply
    {
        var deepest: UInt32 = 0
        var pending = request.root.map { [($0, UInt32(1))] } ?? []
        while let (branch, depth) = pending.popLast() {
            deepest = max(deepest, depth)
            pending += branch.children.map { ($0, depth + 1) }
        }
        return Zrpc_Test_Rpc_GroveReply(depth: deepest)
    }

    func relay(_ request: CallRequest, context: ServerContext) async throws -> CallReply {
        guard let relay else { throw RPCError(code: .failedPrecondition, message: "no relay target") }
        events.record("relay-deadline:\(CallDeadline.current.map { _ in "set" } ?? "unset")")
        // Asks for a long timeout: the call must still end by this handler's deadline.
        return try await relay.call(request, options: .init(timeout: .seconds(30)))
    }
}

/// An error whose text must never reach a client.
struct TestCrash: Error {
    let secret: String
}
