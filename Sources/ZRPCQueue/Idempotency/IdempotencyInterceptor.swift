import Foundation
import Synchronization
public import ZRPC

/// A server interceptor for methods declared idempotency-keyed (`idempotency_keyed: true` in the
/// `.proto`'s `zrpc.method_policy`): a call whose key was answered before gets the original
/// response without running the handler again, and a call whose key is being served right now
/// waits for that call and gets its outcome instead of running twice.
///
/// ```swift
/// let responses = try await IdempotencyStore(path: "/var/lib/orders/responses.sqlite")
/// var configuration = Server.Configuration(endpoints: ["tcp://0.0.0.0:7000"])
/// configuration.interceptors = [IdempotencyInterceptor(store: responses)]
/// let server = Server(configuration: configuration, services: [OrdersService()])
/// ```
///
/// Only successful responses are kept: a call that failed runs again when it is retried. Calls of
/// other methods, calls without a key and streaming calls pass through untouched.
public final class IdempotencyInterceptor: ServerInterceptor, Sendable {
    private typealias Waiter = CheckedContinuation<Result<SerializedMessage, any Error>, Never>

    private let store: IdempotencyStore
    /// Keys being served now, with the calls waiting for their outcome.
    private let inFlight = Mutex<[String: [Waiter]]>([:])

    /// An interceptor that keeps responses in `store` (which may be shared with other servers).
    public init(store: IdempotencyStore) {
        self.store = store
    }

    /// Answers a repeated key from the store, makes a concurrent duplicate wait, and records a
    /// first call's successful response.
    public func intercept(
        _ request: ServerRequest,
        next: @Sendable (ServerRequest) async throws -> SerializedMessage
    ) async throws -> SerializedMessage {
        let context = request.context
        guard context.method.defaults.idempotencyKeyed, !context.idempotencyKey.isEmpty, !request.isStreaming else {
            return try await next(request)
        }
        let key = "rpc:\(context.method.fullName):\(context.idempotencyKey)"
        if let stored = try await storedResponse(key) { return stored }
        let first = inFlight.withLock { calls -> Bool in
            if calls[key] != nil { return false }
            calls[key] = []
            return true
        }
        guard first else {
            let outcome = await withCheckedContinuation { (waiter: Waiter) in
                let appended = inFlight.withLock { calls -> Bool in
                    guard calls[key] != nil else { return false }
                    calls[key, default: []].append(waiter)
                    return true
                }
                // The first call ended between the two looks: ask the store again.
                if !appended { waiter.resume(returning: .failure(RetryLookup())) }
            }
            switch outcome {
            case .success(let response): return response
            case .failure(is RetryLookup): return try await intercept(request, next: next)
            case .failure(let error): throw error
            }
        }
        let outcome: Result<SerializedMessage, any Error>
        do {
            let response = try await next(request)
            let kept = try await store.record(response.bytes, for: key)
            outcome = .success(try SerializedMessage(bytes: kept))
        } catch {
            outcome = .failure(error)
        }
        let waiters = inFlight.withLock { $0.removeValue(forKey: key) ?? [] }
        for waiter in waiters { waiter.resume(returning: outcome) }
        return try outcome.get()
    }

    private func storedResponse(_ key: String) async throws -> SerializedMessage? {
        do {
            return try await store.result(for: key).map { try SerializedMessage(bytes: $0) }
        } catch {
            throw RPCError(
                code: .unavailable,
                message: "the idempotency store could not be read: \(error)",
                cause: error
            )
        }
    }

    /// A waiter found no call in flight: it looks in the store again.
    private struct RetryLookup: Error {}
}
