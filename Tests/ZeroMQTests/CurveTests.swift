import Testing
import ZeroMQ

@Suite struct CurveTests {
    let context: Context

    init() throws {
        context = try Context()
    }

    /// A CURVE server (REP) and a client (REQ) over tcp; the client knows `serverKey` as the server's key.
    func withCurvePair<R>(
        server serverKeys: CurveKeyPair,
        serverKey: String,
        _ body: (_ server: Socket, _ client: Socket) throws -> R
    ) throws -> R {
        let clientKeys = try CurveKeyPair.generate()
        return try withConnectedPair(
            context,
            .tcp,
            bind: .reply,
            connect: .request,
            configureConnecting: { client in
                try client.set(.curveServerKey, serverKey)
                try client.set(.curvePublicKey, clientKeys.publicKey)
                try client.set(.curveSecretKey, clientKeys.secretKey)
            }
        ) { server, client in
            // Bound already; CURVE applies to connections accepted after the options are set, and the
            // client connects right after this closure starts.
            try body(server, client)
        }
    }

    @Test func handshakeAndRoundTrip() throws {
        let serverKeys = try CurveKeyPair.generate()
        let server = try makeSocket(context, .reply)
        try server.set(.curveServer, true)
        try server.set(.curveSecretKey, serverKeys.secretKey)
        try server.bind("tcp://127.0.0.1:*")
        let clientKeys = try CurveKeyPair.generate()
        let client = try makeSocket(context, .request)
        try client.set(.curveServerKey, serverKeys.publicKey)
        try client.set(.curvePublicKey, clientKeys.publicKey)
        try client.set(.curveSecretKey, clientKeys.secretKey)
        try client.connect(try server.lastEndpoint)

        try client.send(try frames("secret", "request"))
        #expect(strings(try server.receive()) == ["secret", "request"])
        try server.send(try frames("secret reply"))
        #expect(strings(try client.receive()) == ["secret reply"])
    }

    @Test func wrongServerKeyGetsNothing() async throws {
        // Waits 2 × 300 ms by design: on a thread of its own, not one of the pool's.
        let context = context
        try await offPool {
            let serverKeys = try CurveKeyPair.generate()
            let impostor = try CurveKeyPair.generate()
            let server = try makeSocket(context, .reply)
            try server.set(.curveServer, true)
            try server.set(.curveSecretKey, serverKeys.secretKey)
            try server.set(.receiveTimeout, .milliseconds(300))
            try server.bind("tcp://127.0.0.1:*")
            let clientKeys = try CurveKeyPair.generate()
            let client = try makeSocket(context, .request)
            try client.set(.curveServerKey, impostor.publicKey)
            try client.set(.curvePublicKey, clientKeys.publicKey)
            try client.set(.curveSecretKey, clientKeys.secretKey)
            try client.set(.receiveTimeout, .milliseconds(300))
            try client.connect(try server.lastEndpoint)

            #expect(try client.send(try frames("let me in")))  // queued; the handshake never completes
            #expect(try server.receive() == nil)
            #expect(try client.receive() == nil)
            // Closing (linger 0) and dropping the context afterwards must not hang: see ContextTests.
        }
    }

    @Test func secretKeyDerivesPublicKey() throws {
        let pair = try CurveKeyPair.generate()
        #expect(pair.publicKey.utf8.count == 40)
        #expect(pair.secretKey.utf8.count == 40)
        #expect(pair.publicKey != pair.secretKey)
        let derived = try CurveKeyPair(secretKey: pair.secretKey)
        #expect(derived == pair)
        #expect(try CurveKeyPair.generate() != pair)
    }

    @Test(arguments: [
        "", "short", String(repeating: "0", count: 39), String(repeating: "0", count: 41),
        String(repeating: "~", count: 40), String(repeating: "#", count: 40),
        String(repeating: "0", count: 39) + "\u{0}", String(repeating: "é", count: 20),
    ])
    func badSecretKeysThrow(key: String) {
        expectZMQError(.invalidArgument) { try CurveKeyPair(secretKey: key) }
    }

    @Test func z85() throws {
        // RFC 32's test vector.
        let hello: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(try Z85.encode(hello) == "HelloWorld")
        #expect(try Z85.decode("HelloWorld") == hello)
        #expect(try Z85.encode([UInt8]()) == "")
        #expect(try Z85.decode("") == [])
        let key = FrameTests.randomBytes(32)
        let text = try Z85.encode(key)
        #expect(text.utf8.count == Z85.curveKeyLength)
        #expect(try Z85.decode(text) == key)
        expectZMQError(.invalidArgument) { try Z85.encode([1, 2, 3]) }
        expectZMQError(.invalidArgument) { try Z85.decode("abcd") }
        expectZMQError(.invalidArgument) { try Z85.decode("abcd~") }
        expectZMQError(.invalidArgument) { try Z85.decode("#####") }  // exceeds 32 bits
    }

    @Test func secretsAreRedacted() throws {
        let pair = try CurveKeyPair.generate()
        for text in ["\(pair)", String(describing: pair), String(reflecting: pair)] {
            #expect(!text.contains(pair.secretKey))
            #expect(text.contains(pair.publicKey))
        }
        var dumped = ""
        dump(pair, to: &dumped)
        #expect(!dumped.contains(pair.secretKey))
    }
}
