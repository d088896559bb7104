import Foundation
package import ZeroMQ

/// The messaging context that servers and clients make their sockets in.
///
/// Each server and client makes its own unless given one. Share one between a server and the
/// clients in the same process to call it over `inproc://` endpoints (in-process, no network);
/// give it more I/O threads for very busy processes.
///
/// ```swift
/// let transport = try TransportContext()
/// var serverConfiguration = Server.Configuration(endpoints: ["inproc://echo"])
/// serverConfiguration.transportContext = transport
/// var clientConfiguration = Client.Configuration(endpoints: ["inproc://echo"])
/// clientConfiguration.transportContext = transport
/// ```
///
/// It ends when the last server, client and copy of it are gone, or at ``shutdown()``.
public final class TransportContext: Sendable {
    /// The ZeroMQ context, for the drivers of this package (ZRPCQueue's pipelines).
    package let context: Context

    /// Whether sockets made in this context must be secured: a plain-text one is refused with
    /// ``RPCError`` `FAILED_PRECONDITION` (see ``TransportSecurity``).
    public let requiresSecurity: Bool

    /// Whether this process requires security: `ZRPC_REQUIRE_CURVE` is `1`, `true` or `yes`. The
    /// default of ``requiresSecurity``, and the rule for sockets made without a transport context.
    ///
    /// ```swift
    /// // ZRPC_REQUIRE_CURVE=1 ./orders
    /// precondition(TransportContext.processRequiresSecurity)
    /// ```
    public static let processRequiresSecurity: Bool = {
        let value = ProcessInfo.processInfo.environment["ZRPC_REQUIRE_CURVE"]?.lowercased()
        return ["1", "true", "yes"].contains(value ?? "")
    }()

    /// Creates a context.
    ///
    /// ```swift
    /// let transport = try TransportContext(requiresSecurity: true)   // no plain-text sockets
    /// ```
    ///
    /// - Parameters:
    ///   - ioThreads: Threads that move bytes between sockets and the network (1 serves tens of
    ///     thousands of messages a second).
    ///   - requiresSecurity: Whether a plain-text socket is refused (default: the process's
    ///     ``processRequiresSecurity``).
    /// - Throws: ``RPCError`` (`RESOURCE_EXHAUSTED`) when the system refuses one.
    public init(ioThreads: Int = 1, requiresSecurity: Bool = TransportContext.processRequiresSecurity) throws {
        self.requiresSecurity = requiresSecurity
        do {
            context = try Context(ioThreads: ioThreads)
        } catch {
            throw RPCError(code: .resourceExhausted, message: "could not create a transport context", cause: error)
        }
    }

    /// The number of I/O threads.
    public var ioThreads: Int { context.ioThreads }

    /// Ends the context: sockets still open fail from now on. Servers and clients made with it
    /// should be shut down first.
    public func shutdown() {
        context.shutdown()
    }
}
