public import ProtobufC

/// A service a ``Server`` hosts. Generated service protocols (`Echo_Echo.ServiceProtocol`)
/// conform to it and supply ``methodHandlers``; implement the generated protocol, not this one.
///
/// ```swift
/// struct EchoService: Echo_Echo.ServiceProtocol {
///     func say(_ request: Echo_EchoRequest, context: ServerContext) async throws -> Echo_EchoReply {
///         Echo_EchoReply(text: request.text)
///     }
/// }
/// let server = Server(configuration: .init(endpoints: ["tcp://127.0.0.1:5555"]), services: [EchoService()])
/// ```
public protocol RPCService: Sendable {
    /// The service's descriptor.
    var serviceDescriptor: ServiceDescriptor { get }
    /// One handler per method.
    var methodHandlers: [MethodHandler] { get }
}

/// Decodes a request, runs a typed handler and encodes its response.
public struct MethodHandler: Sendable {
    /// The method served.
    public let method: MethodDescriptor
    @usableFromInline let handle:
        nonisolated(nonsending) @Sendable (SerializedMessage, ServerContext, DecodingLimits) async throws ->
            SerializedMessage

    /// Wraps a typed handler.
    ///
    /// - Parameters:
    ///   - method: The method served.
    ///   - requestType: The request message type.
    ///   - responseType: The response message type.
    ///   - handler: The implementation.
    @inlinable
    public init<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        requestType: Request.Type = Request.self,
        responseType: Response.Type = Response.self,
        handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) {
        self.method = method
        self.handle = { payload, context, limits in
            let request: Request
            do {
                request = try payload.decode(as: Request.self, limits: limits)
            } catch let error as ProtobufCError where error.code == .tooLarge || error.code == .allocationBudgetExceeded
            {
                throw RPCError(
                    code: .resourceExhausted,
                    message: "the request is too large: \(error.message)",
                    cause: error
                )
            } catch {
                throw RPCError(
                    code: .invalidArgument,
                    message: "the request did not decode as \(Request.protobufCDescriptor.fullName): \(error)",
                    cause: error
                )
            }
            let response = try await handler(request, context)
            do {
                return try SerializedMessage(response)
            } catch {
                throw RPCError(code: .internal, message: "the response could not be encoded", cause: error)
            }
        }
    }
}
