import Foundation
import Synchronization
import ZRPC

/// The fault-injecting test service (`zrpc.testkit.Faulty`): its faults are set at run time
/// (error rate, latency, hang, fail-until-attempt, kill), and it counts what it received, so a
/// test can check what a client's resilience layers really sent. Host it in-process in a
/// `Server`, or run it as a separate process: `zrpc-fault-service ENDPOINT`.
///
/// ```swift
/// let faulty = FaultyService(name: "orders")
/// let server = Server(configuration: .init(endpoints: ["tcp://127.0.0.1:*"]), services: [faulty])
/// faulty.configure(.init(errorRate: 1.0))          // or, remotely: stub.configure(plan)
/// let stats = faulty.stats                        // calls, injected failures, attempts per key
/// ```
public final class FaultyService: Zrpc_Testkit_Faulty.ServiceProtocol, Sendable {
    private struct State {
        var plan = Zrpc_Testkit_FaultPlan()
        var stats = Zrpc_Testkit_Stats()
        var random = SystemRandomNumberGenerator()
    }

    private let state = Mutex(State())
    private let name: String

    /// Creates the service.
    ///
    /// - Parameter name: Returned in every reply's `served_by`.
    public init(name: String = "faulty pid \(ProcessInfo.processInfo.processIdentifier)") {
        self.name = name
    }

    /// Replaces the fault plan.
    ///
    /// - Parameter plan: What to do to the next calls.
    public func configure(_ plan: Zrpc_Testkit_FaultPlan) {
        state.withLock { $0.plan = plan }
    }

    /// What the service has received so far.
    public var stats: Zrpc_Testkit_Stats { state.withLock { $0.stats } }

    public func read(
        _ request: Zrpc_Testkit_FaultRequest,
        context: ServerContext
    ) async throws -> Zrpc_Testkit_FaultReply {
        try await serve(request, context: context)
    }

    public func write(
        _ request: Zrpc_Testkit_FaultRequest,
        context: ServerContext
    ) async throws -> Zrpc_Testkit_FaultReply {
        try await serve(request, context: context)
    }

    public func configure(_ request: Zrpc_Testkit_FaultPlan, context: ServerContext) async throws -> Zrpc_Testkit_Stats
    {
        state.withLock { state in
            state.plan = request
            return state.stats
        }
    }

    public func getStats(
        _ request: Zrpc_Testkit_StatsRequest,
        context: ServerContext
    ) async throws -> Zrpc_Testkit_Stats {
        stats
    }

    private func serve(
        _ request: Zrpc_Testkit_FaultRequest,
        context: ServerContext
    ) async throws -> Zrpc_Testkit_FaultReply {
        let (plan, fail) = state.withLock { state -> (Zrpc_Testkit_FaultPlan, Bool) in
            state.stats.calls += 1
            let previous = state.stats.attemptsByKey[request.key] ?? 0
            state.stats.attemptsByKey[request.key] = max(previous, context.attempt)
            let plan = state.plan
            let fail =
                context.attempt < plan.failUntilAttempt
                || (plan.errorRate > 0 && Double.random(in: 0..<1, using: &state.random) < plan.errorRate)
            if fail { state.stats.injectedFailures += 1 }
            return (plan, fail)
        }
        if plan.killOnNextCall {
            exit(137)
        }
        if plan.hang {
            try await Task.sleep(for: .seconds(3_600))
        }
        if plan.latencyMillis > 0 {
            try await Task.sleep(for: .milliseconds(plan.latencyMillis))
        }
        if fail {
            let code = plan.errorCode == 0 ? RPCError.Code.unavailable : RPCError.Code(rawValue: plan.errorCode)
            throw RPCError(code: code, message: "injected failure")
        }
        return Zrpc_Testkit_FaultReply(
            key: request.key,
            attempt: context.attempt,
            servedBy: name,
            payload: request.payload
        )
    }
}
