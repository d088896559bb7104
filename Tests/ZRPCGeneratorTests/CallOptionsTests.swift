import Foundation
import Testing

@testable import ZRPCGenerator

/// ZRPC's call options in a `.proto` (`zrpc/options.proto`): found wherever zrpc-gen runs, read
/// into the descriptors, and no code generated for the options files themselves.
@Suite("Call options in the .proto")
struct CallOptionsTests {
    private static let proto = """
        syntax = "proto3";
        package shop;
        import "zrpc/options.proto";
        message Order { string id = 1; }
        service Orders {
          option (zrpc.service_policy) = { timeout_millis: 2000, idempotency_keyed: true };
          rpc Get(Order) returns (Order) {
            option idempotency_level = NO_SIDE_EFFECTS;
            option (zrpc.method_policy) = { timeout_millis: 250, hedging: { max_attempts: 2, delay_millis: 40 } };
          }
          rpc Place(Order) returns (Order);
        }
        """

    /// Generates `text` from a folder that has no `zrpc/options.proto` of its own.
    private func generate(_ text: String) async throws -> [Generator.OutputFile] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zrpc-gen-policy-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try text.write(to: folder.appendingPathComponent("shop.proto"), atomically: true, encoding: .utf8)
        let options = try GeneratorOptions(
            arguments: ["--proto-path", folder.path, "--swift-out", "Out", "--c-out", "OutC", "shop.proto"]
        )
        return try await generateOffPool(options)
    }

    @Test("zrpc-gen's built-in copy of zrpc/options.proto is the repository's")
    func builtInCopy() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("Protos/zrpc/options.proto"), encoding: .utf8)
        #expect(file == OptionsProto.text)
    }

    @Test("policies become descriptor defaults, a method's over its service's, field by field")
    func descriptors() async throws {
        let files = try await generate(Self.proto)
        let swift = try #require(files.first { $0.path.hasSuffix("shop.zrpc.swift") }).contents
        #expect(
            swift.contains(
                "defaults: .init(timeout: .milliseconds(250), idempotencyKeyed: true, hedging: .init(maxAttempts: 2, delay: .milliseconds(40)))"
            )
        )
        #expect(swift.contains("defaults: .init(timeout: .milliseconds(2000), idempotencyKeyed: true)"))
    }

    @Test("no code for the options files, and no include of them in the generated C")
    func optionsFilesSkipped() async throws {
        let files = try await generate(Self.proto)
        #expect(files.map(\.path).allSatisfy { !$0.contains("options") && !$0.contains("google") })
        let header = try #require(files.first { $0.path.hasSuffix("shop.pb-c.h") }).contents
        #expect(!header.contains("options.pb-c.h"))
        #expect(header.contains("#include <protobuf-c/protobuf-c.h>"))
    }

    @Test("a retry policy without attempts is refused with the method's name")
    func badPolicy() async throws {
        let text = Self.proto.replacingOccurrences(of: "hedging: { max_attempts: 2", with: "retry: { max_attempts: 0")
            .replacingOccurrences(of: ", delay_millis: 40 }", with: " }")
        let error = try await #require(throws: GeneratorError.self) { try await generate(text) }
        #expect(error.message.contains("shop.Orders.Get"))
        #expect(error.message.contains("max_attempts"))
    }
}
