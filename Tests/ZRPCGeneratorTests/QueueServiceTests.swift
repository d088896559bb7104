import Foundation
import Testing

@testable import ZRPCGenerator

/// Queue services (`(zrpc.queue)` in `zrpc/options.proto`): a producer and a worker protocol instead
/// of RPC stubs, and each queue's declared delivery policy read into its descriptor.
@Suite("Queue services in the .proto")
struct QueueServiceTests {
    private static let proto = """
        syntax = "proto3";
        package media;
        import "zrpc/options.proto";
        message ResizeTask { string image_id = 1; }
        message Resized { string url = 1; }
        message Done {}
        service Thumbnails {
          option (zrpc.queue) = { max_attempts: 5, max_backoff_millis: 1000, lease_millis: 20000 };
          rpc Resize(ResizeTask) returns (Resized) {
            option (zrpc.task_policy) = {
              max_attempts: 3, initial_backoff_millis: 10, deadline_millis: 60000, dead_letters: DEAD_LETTERS_DISCARD
            };
          }
          rpc Forget(ResizeTask) returns (Done);
        }
        """

    /// Generates `text` as `media.proto` from a folder that has no `zrpc/options.proto` of its own.
    private func generate(_ text: String, _ arguments: [String] = []) async throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zrpc-gen-queue-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try text.write(to: folder.appendingPathComponent("media.proto"), atomically: true, encoding: .utf8)
        let options = try GeneratorOptions(
            arguments: ["--proto-path", folder.path, "--swift-out", "Out", "--c-out", "OutC"] + arguments
                + ["media.proto"]
        )
        let files = try await generateOffPool(options)
        return try #require(files.first { $0.path.hasSuffix("media.zrpc.swift") }).contents
    }

    @Test("each method is a queue named by its full name, with the method's policy over the service's")
    func declaredPolicies() async throws {
        let swift = try await generate(Self.proto)
        // Compared line by line without indentation.
        let lines = swift.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n")
        #expect(lines.contains("name: \"media.Thumbnails/Resize\","))
        #expect(
            lines.contains(
                """
                declaredPolicy: TaskPolicy.Overrides(
                maxAttempts: 3,
                backoff: Backoff(initial: .milliseconds(10), maximum: .milliseconds(1000), multiplier: TaskPolicy.defaultBackoff.multiplier),
                lease: .milliseconds(20000),
                deadline: .milliseconds(60000),
                keepsDeadLetters: false
                )
                """
            )
        )
        #expect(lines.contains("name: \"media.Thumbnails/Forget\","))
        #expect(
            lines.contains(
                """
                declaredPolicy: TaskPolicy.Overrides(
                maxAttempts: 5,
                backoff: Backoff(initial: TaskPolicy.defaultBackoff.initial, maximum: .milliseconds(1000), multiplier: TaskPolicy.defaultBackoff.multiplier),
                lease: .milliseconds(20000)
                )
                """
            )
        )
    }

    @Test("a queue service gets a producer and a worker protocol, not RPC stubs, and imports ZRPCQueue")
    func producerAndWorker() async throws {
        let swift = try await generate(Self.proto)
        #expect(swift.contains("\nimport ZRPC\nimport ZRPCQueue\n"))
        #expect(swift.contains("public let resize: TaskProducer<Media_ResizeTask>"))
        #expect(swift.contains("resize = TaskProducer(client: client, queue: Method.Resize.descriptor)"))
        #expect(
            swift.contains("func resize(_ task: Media_ResizeTask, context: TaskContext) async throws -> Media_Resized")
        )
        #expect(
            swift.contains("func forget(_ task: Media_ResizeTask, context: TaskContext) async throws -> Media_Done")
        )
        #expect(swift.contains("public var taskHandlers: [TaskHandler] {"))
        #expect(!swift.contains("ServiceProtocol") && !swift.contains("MethodDescriptor"))
    }

    @Test("`(zrpc.queue) = {}` makes a queue service with nothing declared; other services keep their stubs")
    func emptyQueueOption() async throws {
        let text = """
            syntax = "proto3";
            package media;
            import "zrpc/options.proto";
            message Task { string id = 1; }
            service Jobs {
              option (zrpc.queue) = {};
              rpc Run(Task) returns (Task);
            }
            service Lookup { rpc Get(Task) returns (Task); }
            """
        let swift = try await generate(text, ["--access", "package"])
        #expect(swift.contains("declaredPolicy: TaskPolicy.Overrides()"))
        #expect(swift.contains("package struct Producer: Sendable {"))
        #expect(swift.contains("package import ZRPCQueue\n"))
        #expect(swift.contains("protocol ServiceProtocol: RPCService"))
    }

    @Test("a streaming method in a queue service is refused with its name")
    func streaming() async throws {
        let text = Self.proto.replacingOccurrences(of: "rpc Forget(ResizeTask)", with: "rpc Forget(stream ResizeTask)")
        let error = try await #require(throws: GeneratorError.self) { try await generate(text) }
        #expect(error.message.contains("media.Thumbnails.Forget"))
        #expect(error.message.contains("cannot stream"))
    }

    @Test(
        "an impossible policy is refused with the method's name",
        arguments: [
            ("max_attempts: 3,", "backoff_multiplier: 0.5,", "backoff_multiplier must be at least 1"),
            ("initial_backoff_millis: 10,", "initial_backoff_millis: 5000,", "above its max_backoff_millis"),
            ("dead_letters: DEAD_LETTERS_DISCARD", "dead_letters: 7", "is not DEAD_LETTERS_KEEP"),
        ]
    )
    func badPolicy(replacing: String, with: String, message: String) async throws {
        let text = Self.proto.replacingOccurrences(of: replacing, with: with)
        let error = try await #require(throws: GeneratorError.self) { try await generate(text) }
        #expect(error.message.contains("media.Thumbnails.Resize"))
        #expect(error.message.contains(message))
    }

    @Test("(zrpc.task_policy) on a method of an RPC service is refused")
    func taskPolicyOutsideQueueService() async throws {
        let text = Self.proto.replacingOccurrences(
            of: "option (zrpc.queue) = { max_attempts: 5, max_backoff_millis: 1000, lease_millis: 20000 };",
            with: ""
        )
        let error = try await #require(throws: GeneratorError.self) { try await generate(text) }
        #expect(error.message.contains("media.Thumbnails.Resize"))
        #expect(error.message.contains("(zrpc.queue)"))
    }
}
