import Configuration
import Foundation
import Logging
import Testing
@testable import ZRPC

/// CURVE settings from the environment, allow-list files, and secret keys kept out of logs.
@Suite("CURVE configuration and secrecy")
struct CurveConfigurationTests {
    private func reader(_ variables: [String: String]) -> ConfigReader {
        ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: variables))
    }

    @Test("a server reads its secret key file and allow-list, a client its keys, from the environment")
    func fromEnvironment() throws {
        let fixture = try CurveFixture()
        defer { fixture.remove() }
        let secretFile = NSTemporaryDirectory() + "zrpc-secret-\(UUID().uuidString)"
        try (fixture.server.secretKey + "\n").write(toFile: secretFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: secretFile) }

        var server = Server.Configuration(endpoints: ["tcp://127.0.0.1:*"])
        try server.apply(
            reader([
                "ORDERS_CURVE_SECRET_KEY_FILE": secretFile,
                "ORDERS_CURVE_ALLOW_LIST_FILE": fixture.allowListPath,
            ]),
            scope: "orders"
        )
        guard case .curveServer(let keys, let allowList) = server.security.mode else {
            Issue.record("not a CURVE server: \(server.security)")
            return
        }
        #expect(keys == fixture.server)
        #expect(allowList.keys == [fixture.alice.publicKey, fixture.bob.publicKey])

        var client = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        try client.apply(
            reader([
                "ORDERS_CURVE_SECRET_KEY": fixture.alice.secretKey,
                "ORDERS_CURVE_SERVER_PUBLIC_KEY": fixture.server.publicKey,
            ]),
            scope: "orders"
        )
        #expect(client.security.publicKey == fixture.alice.publicKey)
        #expect(!client.security.isPlaintext)

        var plain = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        try plain.apply(reader([:]), scope: "orders")
        #expect(plain.security.isPlaintext)
    }

    @Test("bad settings are errors that name the variable and never show the secret key")
    func badSettings() throws {
        let fixture = try CurveFixture()
        defer { fixture.remove() }
        let secret = fixture.server.secretKey
        let cases: [[String: String]] = [
            ["ORDERS_CURVE_SECRET_KEY": secret],  // neither server nor client
            [
                "ORDERS_CURVE_SECRET_KEY": String(secret.dropLast()),
                "ORDERS_CURVE_SERVER_PUBLIC_KEY": fixture.server.publicKey,
            ],
            [
                "ORDERS_CURVE_SECRET_KEY": secret, "ORDERS_CURVE_SERVER_PUBLIC_KEY": "short",
            ],
            ["ORDERS_CURVE_ALLOW_LIST_FILE": fixture.allowListPath],  // no secret key
            [
                "ORDERS_CURVE_SECRET_KEY": secret, "ORDERS_CURVE_ALLOW_LIST_FILE": "/nonexistent/zrpc.allow",
            ],
        ]
        for variables in cases {
            var configuration = Server.Configuration(endpoints: ["tcp://127.0.0.1:*"])
            do {
                try configuration.apply(reader(variables), scope: "orders")
                Issue.record("accepted \(variables.keys.sorted())")
            } catch {
                let text = "\(error)"
                #expect(text.contains("ORDERS_CURVE"))
                #expect(!text.contains(secret))
                #expect(!text.contains(String(secret.dropLast())))
            }
        }
    }

    @Test("allow-list files: comments and blank lines skipped, a bad line refused with its number")
    func allowListParsing() throws {
        let keys = try (0..<2).map { _ in try CurveKeys.generate().publicKey }
        let text = "# clients\n\n  \(keys[0])  # first\n\(keys[1])\n"
        #expect(try CurveAllowList.parse(text, source: "test") == Set(keys))
        #expect(throws: RPCError.self) { try CurveAllowList.parse("\(keys[0])\nnot-a-key\n", source: "test") }
        do {
            _ = try CurveAllowList.parse("\(keys[0])\nnot-a-key\n", source: "clients.allow")
        } catch let error as RPCError {
            #expect(error.message.contains("clients.allow line 2"))
        }
        #expect(throws: RPCError.self) { try CurveAllowList(keys: ["nope"]) }
    }

    @Test("an allow-list file that becomes unusable refuses everyone (fail closed) until fixed")
    func unusableFileEmptiesTheList() throws {
        let fixture = try CurveFixture()
        defer { fixture.remove() }
        try "garbage\n".write(toFile: fixture.allowListPath, atomically: true, encoding: .utf8)
        #expect(throws: RPCError.self) { try fixture.allowList.reload() }
        #expect(fixture.allowList.keys.isEmpty)
        try CurveFixture.write([fixture.alice.publicKey], to: fixture.allowListPath)
        try fixture.allowList.reload()
        #expect(fixture.allowList.keys == [fixture.alice.publicKey])
    }

    @Test("the secret key never appears in descriptions or logs")
    func secretNeverLogged() async throws {
        let fixture = try CurveFixture()
        defer { fixture.remove() }
        let store = RecordingLogHandler.Store()
        let logger = Logger.recording(into: store)
        let secrets = [fixture.server.secretKey, fixture.alice.secretKey, fixture.stranger.secretKey]
        let server = fixture.serverSecurity
        let client = try fixture.clientSecurity(fixture.alice)
        for text in [
            "\(fixture.server)", String(describing: fixture.alice), String(reflecting: fixture.alice),
            "\(server)", "\(client)", dumped(fixture.server), dumped(client),
        ] {
            for secret in secrets { #expect(!text.contains(secret)) }
        }
        try await withHarness(
            configureServer: {
                $0.security = server
                $0.logger = logger
            },
            configureClient: {
                $0.security = client
                $0.logger = logger
            }
        ) { harness in
            logger.info("configured", metadata: ["server": "\(server)", "client": "\(client)"])
            _ = try await harness.stub.call(.init(text: "logged"))
            _ = try await callOnce(
                harness.endpoint,
                context: harness.context,
                security: try fixture.clientSecurity(fixture.stranger),
                text: "refused",
                timeout: .milliseconds(200)
            )
        }
        let allowList = try CurveAllowList(contentsOf: fixture.allowListPath, logger: logger)
        try allowList.reload()
        #expect(!store.all.isEmpty)
        for message in store.all {
            for secret in secrets { #expect(!message.contains(secret)) }
            for metadata in store.metadata(of: message) {
                for secret in secrets { #expect(!"\(metadata)".contains(secret)) }
            }
        }
    }

    private func dumped(_ value: Any) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }
}

/// `SIGHUP` reloads file-backed allow-lists (and no longer ends the process).
@Suite("CURVE allow-list and SIGHUP")
struct CurveHangupTests {
    @Test("SIGHUP makes a file-backed allow-list reload even when its modification time is unchanged")
    func hangupReloads() async throws {
        let fixture = try CurveFixture()
        defer { fixture.remove() }
        // A whole-second modification time, set again after the rewrite: only SIGHUP says it changed.
        let fixed: [FileAttributeKey: Any] = [.modificationDate: Date(timeIntervalSince1970: 1_700_000_000)]
        try FileManager.default.setAttributes(fixed, ofItemAtPath: fixture.allowListPath)
        let allowList = try CurveAllowList(contentsOf: fixture.allowListPath, logger: quietLogger)
        try CurveFixture.write([fixture.alice.publicKey], to: fixture.allowListPath)
        try FileManager.default.setAttributes(fixed, ofItemAtPath: fixture.allowListPath)
        allowList.reloadIfChanged()
        #expect(allowList.keys.count == 2)  // nothing told it yet

        let before = HangupSignal.count
        kill(getpid(), SIGHUP)
        // The handler runs at once; the bound is for a machine too loaded to schedule this task.
        let deadline = ContinuousClock.now + .seconds(20)
        while HangupSignal.count == before, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(HangupSignal.count > before)
        allowList.reloadIfChanged()
        #expect(allowList.keys == [fixture.alice.publicKey])
    }
}
