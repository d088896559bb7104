package import ZeroMQ

extension TransportSecurity {
    /// Sets up `socket` for this security, before it binds or connects: the one place ZRPC sets the
    /// CURVE options (`ZMQ_CURVE_SERVER`, `ZMQ_CURVE_SECRETKEY`, `ZMQ_CURVE_PUBLICKEY`,
    /// `ZMQ_CURVE_SERVERKEY`) and, for a server, `ZMQ_ZAP_DOMAIN` and `ZMQ_ZAP_ENFORCE_DOMAIN`.
    ///
    /// - Parameters:
    ///   - socket: A socket not yet bound or connected.
    ///   - transport: The transport context the socket was made in (nil: its own), which says
    ///     whether plain text is allowed.
    /// - Returns: For a CURVE server, its registration with the context's ZAP handler: keep it as
    ///   long as the socket.
    /// - Throws: ``RPCError``: `FAILED_PRECONDITION` for plain text where security is required or
    ///   a libzmq that cannot enforce ZAP; `INTERNAL` when an option is refused.
    package func apply(to socket: Socket, transport: TransportContext?) throws -> ZAPRegistration? {
        do {
            switch mode {
            case .plaintext:
                guard !(transport?.requiresSecurity ?? TransportContext.processRequiresSecurity) else {
                    throw RPCError(
                        code: .failedPrecondition,
                        message: "this process requires CURVE (ZRPC_REQUIRE_CURVE): refusing a plain-text "
                            + "\(socket.type) socket; configure its security"
                    )
                }
                return nil
            case .curveServer(let keys, let allowList):
                let registration = try ZAPHandler.register(allowList, in: socket.context)
                try socket.set(.curveServer, true)
                try socket.set(.curveSecretKey, keys.secretKey)
                try socket.set(.zapDomain, registration.domain)
                do {
                    try socket.set(.zapEnforceDomain, true)
                } catch {
                    throw RPCError(
                        code: .failedPrecondition,
                        message: "this libzmq cannot enforce ZAP (ZMQ_ZAP_ENFORCE_DOMAIN), so a CURVE server "
                            + "would let unauthenticated clients in: refusing to open it",
                        cause: error
                    )
                }
                return registration
            case .curveClient(let keys, let serverPublicKey):
                try socket.set(.curveServerKey, serverPublicKey)
                try socket.set(.curvePublicKey, keys.publicKey)
                try socket.set(.curveSecretKey, keys.secretKey)
                return nil
            }
        } catch let error as RPCError {
            throw error
        } catch {
            // ZMQError descriptions name the option, never its value.
            throw RPCError(code: .internal, message: "cannot set up CURVE on a \(socket.type) socket", cause: error)
        }
    }
}
