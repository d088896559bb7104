public import ProtobufC
import Synchronization
internal import ZeroMQ

/// Graceful degradation: when a call fails with a chosen status (an open circuit, a deadline,
/// UNAVAILABLE), a per-method fallback answers instead — a default, a computed substitute, or the
/// last good answer.
///
/// ```swift
/// let fallback = FallbackInterceptor([
///     .answer(Prices_Prices.Method.Quote.descriptor, requestType: QuoteRequest.self) { request, error in
///         QuoteReply(price: 0, stale: true)
///     },
///     .lastGood(Catalog_Catalog.Method.List.descriptor),
/// ])
/// ```
public struct FallbackInterceptor: ClientInterceptor {
    /// A fallback for one method.
    public struct Fallback: Sendable {
        let method: String
        let codes: Set<RPCError.Code>
        let produce: @Sendable (ClientRequest, RPCError) async throws -> ClientResponse?
        let observe: (@Sendable (ClientRequest, ClientResponse) -> Void)?

        /// Answers with a substitute computed from the request and the error.
        ///
        /// - Parameters:
        ///   - method: The method.
        ///   - codes: The statuses that trigger it.
        ///   - requestType: The request message type.
        ///   - produce: Makes the substitute (may throw to give up).
        public static func answer<Request: ProtobufMessage, Response: ProtobufMessage>(
            _ method: MethodDescriptor,
            on codes: Set<RPCError.Code> = FallbackInterceptor.defaultCodes,
            requestType: Request.Type,
            _ produce: @escaping @Sendable (Request, RPCError) async throws -> Response
        ) -> Fallback {
            Fallback(
                method: method.fullName,
                codes: codes,
                produce: { request, error in
                    let decoded = try request.payload.decode(as: Request.self)
                    return ClientResponse(payload: try SerializedMessage(await produce(decoded, error)), metadata: [:])
                },
                observe: nil
            )
        }

        /// Answers with the method's last successful response (if there was one).
        ///
        /// - Parameters:
        ///   - method: The method.
        ///   - codes: The statuses that trigger it.
        public static func lastGood(
            _ method: MethodDescriptor,
            on codes: Set<RPCError.Code> = FallbackInterceptor.defaultCodes
        ) -> Fallback {
            let last = LastGood()
            return Fallback(
                method: method.fullName,
                codes: codes,
                produce: { _, _ in last.response },
                observe: { _, response in last.response = response }
            )
        }
    }

    /// The statuses that trigger fallbacks by default.
    public static let defaultCodes: Set<RPCError.Code> = [.unavailable, .deadlineExceeded]

    private let fallbacks: [String: Fallback]

    /// Creates the layer.
    ///
    /// - Parameter fallbacks: One per method.
    public init(_ fallbacks: [Fallback]) {
        self.fallbacks = Dictionary(fallbacks.map { ($0.method, $0) }, uniquingKeysWith: { $1 })
    }

    public func intercept(
        _ request: ClientRequest,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        guard !request.isStreaming, let fallback = fallbacks[request.method.fullName] else {
            return try await next(request)
        }
        do {
            let response = try await next(request)
            fallback.observe?(request, response)
            return response
        } catch let error as RPCError where fallback.codes.contains(error.code) {
            guard let substitute = try await fallback.produce(request, error) else { throw error }
            return substitute
        }
    }
}

/// The last good response of one method, shared by the calls through a fallback.
private final class LastGood: Sendable {
    private let storage = Mutex<ClientResponse?>(nil)

    var response: ClientResponse? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
