/// A server's handler chain: its interceptors, outermost first, around the method's handler.
typealias ServerChain = nonisolated(nonsending) @Sendable (ServerRequest) async throws -> SerializedMessage

extension Server.Configuration {
    /// The chain every call of a server with this configuration runs through.
    func makeChain() -> ServerChain {
        let limits = decodingLimits
        var chain: ServerChain = { request in
            try await request.handler.handle(request.payload, request.context, limits, request.stream)
        }
        for interceptor in interceptors.reversed() {
            let inner = chain
            chain = { request in try await interceptor.intercept(request, next: inner) }
        }
        return chain
    }
}
