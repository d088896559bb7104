/// How a ZRPC socket secures its connections: plain text, or CURVE (encryption and
/// authentication, RFC 26) as a server or a client.
///
/// Every configuration that opens a socket has one: ``Server/Configuration/security``,
/// ``Client/Configuration/security``, the pipelines', the publisher's, the subscription's and
/// both sides of the forwarder's. A CURVE server checks each new connection's public key against
/// its ``CurveAllowList`` in the context's ZAP handler, and fails closed: with no handler running,
/// every new connection is refused. A CURVE client names the server's public key, so it cannot be
/// talked to by anyone else.
///
/// ```swift
/// let serverKeys = try CurveKeys(secretKey: secretFromVault)
/// var server = Server.Configuration(endpoints: ["tcp://0.0.0.0:5555"])
/// server.security = .curveServer(keys: serverKeys, allowList: try CurveAllowList(contentsOf: "/etc/zrpc/clients"))
///
/// var client = Client.Configuration(endpoints: ["tcp://orders:5555"])
/// client.security = try .curveClient(keys: try CurveKeys.generate(), serverPublicKey: serverKeys.publicKey)
/// ```
///
/// A process can require security: a ``TransportContext`` made with `requiresSecurity: true`, or
/// any context when `ZRPC_REQUIRE_CURVE=1` is set, refuses to open a plain-text socket with
/// ``RPCError`` `FAILED_PRECONDITION`. Descriptions never show the secret key.
public struct TransportSecurity: Sendable, CustomStringConvertible {
    enum Mode: Sendable {
        case plaintext
        case curveServer(CurveKeys, CurveAllowList)
        case curveClient(CurveKeys, serverPublicKey: String)
    }

    let mode: Mode

    /// No encryption, no authentication (the default). Refused in a process that requires security.
    public static let plaintext = TransportSecurity(mode: .plaintext)

    /// A CURVE server: connections are encrypted, and only clients whose public key is in
    /// `allowList` get in.
    ///
    /// ```swift
    /// configuration.security = .curveServer(keys: serverKeys, allowList: try CurveAllowList(keys: [clientKey]))
    /// ```
    ///
    /// - Parameters:
    ///   - keys: The server's key pair; clients need its public key.
    ///   - allowList: The client public keys accepted.
    /// - Returns: The setting.
    public static func curveServer(keys: CurveKeys, allowList: CurveAllowList) -> TransportSecurity {
        TransportSecurity(mode: .curveServer(keys, allowList))
    }

    /// A CURVE client: connections are encrypted, and made only to the server holding the secret
    /// key of `serverPublicKey`.
    ///
    /// ```swift
    /// configuration.security = try .curveClient(keys: clientKeys, serverPublicKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")
    /// ```
    ///
    /// - Parameters:
    ///   - keys: The client's key pair; its public key goes in the server's allow-list.
    ///   - serverPublicKey: The server's public key (Z85).
    /// - Returns: The setting.
    /// - Throws: ``RPCError`` (`INVALID_ARGUMENT`) if `serverPublicKey` is not a CURVE key.
    public static func curveClient(keys: CurveKeys, serverPublicKey: String) throws -> TransportSecurity {
        TransportSecurity(mode: .curveClient(keys, serverPublicKey: try CurveKeys.validatedPublicKey(serverPublicKey)))
    }

    /// Whether connections are in plain text.
    public var isPlaintext: Bool {
        if case .plaintext = mode { return true }
        return false
    }

    /// This side's public key (nil in plain text).
    public var publicKey: String? {
        switch mode {
        case .plaintext: nil
        case .curveServer(let keys, _), .curveClient(let keys, _): keys.publicKey
        }
    }

    /// `plaintext`, `curveServer(publicKey: …, allowList: …)` or
    /// `curveClient(publicKey: …, serverPublicKey: …)`: never the secret key.
    public var description: String {
        switch mode {
        case .plaintext:
            "plaintext"
        case .curveServer(let keys, let allowList):
            "curveServer(publicKey: \(keys.publicKey), allowList: \(allowList))"
        case .curveClient(let keys, let serverPublicKey):
            "curveClient(publicKey: \(keys.publicKey), serverPublicKey: \(serverPublicKey))"
        }
    }
}
