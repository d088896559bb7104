import ConformanceServices
import Configuration
import Testing
import ZRPC
import ZRPCQueue

/// Broker settings from environment variables (swift-configuration): the default policy and the
/// per-queue overrides over what a `.proto` declares.
@Suite("Broker configuration from the environment")
struct QueueBrokerConfigurationReaderTests {
    private func reader(_ variables: [String: String]) -> ConfigReader {
        ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: variables))
    }

    @Test("the database, the default policy and a declared queue's overrides are read under the scope")
    func applies() throws {
        var configuration = QueueBroker.Configuration(databasePath: "code.sqlite")
        try configuration.apply(
            reader([
                "BROKER_DATABASE": "/var/lib/queue.sqlite",
                "BROKER_SYNCHRONOUS": "normal",
                "BROKER_RETENTION_MS": "60000",
                "BROKER_MAX_ATTEMPTS": "8",
                "BROKER_BACKOFF_MAX_MS": "30000",
                "BROKER_LEASE_MS": "5000",
                "BROKER_DEADLINE_MS": "600000",
                "BROKER_DEAD_LETTERS": "discard",
                "BROKER_ZRPC_TEST_QUEUE_THUMBNAILS_RESIZE_MAX_ATTEMPTS": "10",
                "BROKER_ZRPC_TEST_QUEUE_THUMBNAILS_RESIZE_BACKOFF_MULTIPLIER": "3",
                "OTHER_MAX_ATTEMPTS": "1",
            ]),
            scope: "broker",
            queues: Zrpc_Test_Queue_Thumbnails.queues
        )
        #expect(configuration.databasePath == "/var/lib/queue.sqlite")
        #expect(configuration.synchronous == .normal)
        #expect(configuration.retention == .seconds(60))
        #expect(
            configuration.defaultPolicy
                == TaskPolicy(
                    maxAttempts: 8,
                    backoff: Backoff(initial: .milliseconds(200), maximum: .seconds(30), multiplier: 2),
                    lease: .seconds(5),
                    deadline: .seconds(600),
                    keepsDeadLetters: false
                )
        )
        // The declared backoff (5 ms to 20 ms) with the environment's multiplier.
        #expect(
            configuration.queuePolicies["zrpc.test.queue.Thumbnails/Resize"]
                == TaskPolicy.Overrides(
                    maxAttempts: 10,
                    backoff: Backoff(initial: .milliseconds(5), maximum: .milliseconds(20), multiplier: 3)
                )
        )
        #expect(configuration.queuePolicies["zrpc.test.queue.Thumbnails/Purge"] == nil)
    }

    @Test("deadline-ms 0 removes the default deadline")
    func noDeadline() throws {
        var configuration = QueueBroker.Configuration(
            databasePath: "q.sqlite",
            defaultPolicy: .init(deadline: .seconds(1))
        )
        try configuration.apply(reader(["BROKER_DEADLINE_MS": "0"]), scope: "broker")
        #expect(configuration.defaultPolicy.deadline == nil)
    }

    @Test(
        "a value that does not parse or makes a policy invalid names its variable",
        arguments: [
            ("BROKER_SYNCHRONOUS", "sometimes"),
            ("BROKER_MAX_ATTEMPTS", "0"),
            ("BROKER_BACKOFF_MULTIPLIER", "0.5"),
            ("BROKER_DEAD_LETTERS", "shred"),
            ("BROKER_ZRPC_TEST_QUEUE_THUMBNAILS_PURGE_BACKOFF_INITIAL_MS", "50"),
            ("BROKER_ZRPC_TEST_QUEUE_THUMBNAILS_PURGE_DEADLINE_MS", "0"),
        ]
    )
    func refused(variable: String, value: String) throws {
        var configuration = QueueBroker.Configuration(databasePath: "q.sqlite")
        let error = try #require(throws: ResilienceConfigurationError.self) {
            try configuration.apply(
                reader([variable: value]),
                scope: "broker",
                queues: Zrpc_Test_Queue_Thumbnails.queues
            )
        }
        #expect(error.message.contains(variable))
    }
}
