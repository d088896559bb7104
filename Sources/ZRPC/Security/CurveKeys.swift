internal import ZeroMQ

/// A CURVE key pair (public and secret key, each 40 Z85 characters) for ``TransportSecurity``.
///
/// ```swift
/// let server = try CurveKeys.generate()
/// print(server.publicKey)        // share it with clients
/// print(server)                  // CurveKeys(publicKey: "…", secretKey: <redacted>)
/// let again = try CurveKeys(secretKey: server.secretKey)   // the public key is derived
/// ```
///
/// Descriptions and reflection (`print`, `dump`, string interpolation, logs) redact the secret key.
public struct CurveKeys: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The public key: share it with peers (servers list clients' public keys in their allow-list;
    /// clients name the server's public key).
    public let publicKey: String
    /// The secret key: keep it secret. Never logged.
    public let secretKey: String

    /// Generates a new random key pair.
    ///
    /// - Returns: The key pair.
    /// - Throws: ``RPCError`` (`FAILED_PRECONDITION`) if libzmq was built without CURVE.
    public static func generate() throws -> CurveKeys {
        do {
            let pair = try CurveKeyPair.generate()
            return CurveKeys(publicKey: pair.publicKey, secretKey: pair.secretKey)
        } catch {
            throw RPCError(code: .failedPrecondition, message: "this libzmq cannot make CURVE keys", cause: error)
        }
    }

    /// Recreates a key pair from its secret key, deriving the public key.
    ///
    /// ```swift
    /// let keys = try CurveKeys(secretKey: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
    /// ```
    ///
    /// - Parameter secretKey: The secret key as 40 Z85 characters (surrounding whitespace ignored).
    /// - Throws: ``RPCError`` (`INVALID_ARGUMENT`) if it is not a CURVE key; the message never
    ///   contains the key.
    public init(secretKey: String) throws {
        do {
            let pair = try CurveKeyPair(secretKey: secretKey.trimmingWhitespace())
            self.init(publicKey: pair.publicKey, secretKey: pair.secretKey)
        } catch {
            throw RPCError(code: .invalidArgument, message: "the CURVE secret key is not 40 Z85 characters")
        }
    }

    private init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Checks that `key` is a CURVE public key (40 Z85 characters) and returns it trimmed.
    ///
    /// ```swift
    /// let serverKey = try CurveKeys.validatedPublicKey(text)
    /// ```
    ///
    /// - Parameter key: The key.
    /// - Returns: The key without surrounding whitespace.
    /// - Throws: ``RPCError`` (`INVALID_ARGUMENT`) naming what is wrong.
    public static func validatedPublicKey(_ key: String) throws -> String {
        let trimmed = key.trimmingWhitespace()
        guard trimmed.utf8.count == Z85.curveKeyLength, (try? Z85.decode(trimmed)) != nil else {
            throw RPCError(
                code: .invalidArgument,
                message: "\"\(trimmed.prefix(64))\" is not a CURVE public key (40 Z85 characters)"
            )
        }
        return trimmed
    }

    /// `CurveKeys(publicKey: "…", secretKey: <redacted>)`.
    public var description: String {
        "CurveKeys(publicKey: \"\(publicKey)\", secretKey: <redacted>)"
    }

    /// The same as ``description``: the secret key is redacted.
    public var debugDescription: String { description }

    /// A mirror showing only the public key.
    public var customMirror: Mirror {
        Mirror(self, children: ["publicKey": publicKey, "secretKey": "<redacted>"])
    }
}
