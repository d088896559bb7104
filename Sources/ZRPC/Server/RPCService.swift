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
