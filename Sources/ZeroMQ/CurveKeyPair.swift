internal import CZeroMQ

/// A CURVE key pair, both keys as 40-character Z85 text.
///
/// ```swift
/// let server = try CurveKeyPair.generate()
/// try serverSocket.set(.curveServer, true)
/// try serverSocket.set(.curveSecretKey, server.secretKey)
///
/// let client = try CurveKeyPair.generate()
/// try clientSocket.set(.curveServerKey, server.publicKey)
/// try clientSocket.set(.curvePublicKey, client.publicKey)
/// try clientSocket.set(.curveSecretKey, client.secretKey)
/// ```
///
/// Descriptions and reflection (`print`, `dump`, string interpolation) redact the secret key.
public struct CurveKeyPair: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The public key: share it with peers.
    public let publicKey: String
    /// The secret key: keep it secret.
    public let secretKey: String

    /// Generates a new random key pair (`zmq_curve_keypair`).
    ///
    /// - Returns: The key pair.
    /// - Throws: ``ZMQError`` with `unsupportedOperation` if libzmq was built without CURVE.
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var publicKey = [CChar](repeating: 0, count: Z85.curveKeyLength + 1)
        var secretKey = [CChar](repeating: 0, count: Z85.curveKeyLength + 1)
        try zmqCompletingCall("zmq_curve_keypair") { zmq_curve_keypair(&publicKey, &secretKey) }
        return CurveKeyPair(publicKey: string(publicKey), secretKey: string(secretKey))
    }

    /// Recreates a key pair from its secret key, deriving the public key (`zmq_curve_public`).
    ///
    /// ```swift
    /// let pair = try CurveKeyPair(secretKey: loadedSecret)
    /// ```
    ///
    /// - Parameters:
    ///   - secretKey: The secret key as 40 Z85 characters.
    /// - Throws: ``ZMQError`` with `invalidArgument` if the key is not valid Z85 of the right length.
    public init(secretKey: String) throws(ZMQError) {
        _ = try Z85.decodeCurveKey(secretKey)
        var publicKey = [CChar](repeating: 0, count: Z85.curveKeyLength + 1)
        try zmqCompletingCall("zmq_curve_public") { zmq_curve_public(&publicKey, secretKey) }
        self.init(publicKey: Self.string(publicKey), secretKey: secretKey)
    }

    private init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    private static func string(_ characters: [CChar]) -> String {
        let bytes = characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `CurveKeyPair(publicKey: "...", secretKey: <redacted>)`.
    public var description: String {
        "CurveKeyPair(publicKey: \"\(publicKey)\", secretKey: <redacted>)"
    }

    /// The same as ``description``: the secret key is redacted.
    public var debugDescription: String {
        description
    }

    /// A mirror showing only the public key.
    public var customMirror: Mirror {
        Mirror(self, children: ["publicKey": publicKey, "secretKey": "<redacted>"])
    }
}
