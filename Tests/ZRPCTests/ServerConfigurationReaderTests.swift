import Configuration
import Testing
import ZRPC

/// Server settings from environment variables (swift-configuration).
@Suite("Server configuration from the environment")
struct ServerConfigurationReaderTests {
    private func reader(_ variables: [String: String]) -> ConfigReader {
        ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: variables))
    }

    @Test("settings under a scope override the code's, the rest stay")
    func applies() throws {
        var configuration = Server.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        try configuration.apply(
            reader([
                "ORDERS_ENDPOINTS": "tcp://127.0.0.1:2, ipc:///tmp/orders.sock",
                "ORDERS_MAX_CONCURRENT_CALLS": "64",
                "ORDERS_MAX_CONCURRENT_CALLS_PER_CLIENT": "16",
                "ORDERS_MAX_TIMEOUT_MS": "60000",
                "ORDERS_GRACE_PERIOD_MS": "1500",
                "ORDERS_STREAM_WINDOW": "32",
                "ORDERS_WATCHDOG_THRESHOLD_MS": "5",
                "ORDERS_WATCHDOG_MOVES": "false",
                "ORDERS_DIRECTORY": "tcp://127.0.0.1:7000",
                "ORDERS_DIRECTORY_ADVERTISE": "tcp://10.0.0.7:5555",
                "ORDERS_DIRECTORY_LEASE_MS": "5000",
                "BILLING_MAX_CONCURRENT_CALLS": "1",
            ]),
            scope: "orders"
        )
        #expect(configuration.endpoints == ["tcp://127.0.0.1:2", "ipc:///tmp/orders.sock"])
        #expect(configuration.maxConcurrentCalls == 64)
        #expect(configuration.maxConcurrentCallsPerClient == 16)
        #expect(configuration.maxTimeout == .seconds(60))
        #expect(configuration.defaultTimeout == .seconds(5))
        #expect(configuration.gracePeriod == .milliseconds(1500))
        #expect(configuration.streamWindow == 32)
        #expect(
            configuration.handlerExecution == .watched(.init(threshold: .milliseconds(5), movesBlockingServices: false))
        )
        #expect(configuration.directory?.directory == ["tcp://127.0.0.1:7000"])
        #expect(configuration.directory?.advertisedEndpoints == ["tcp://10.0.0.7:5555"])
        #expect(configuration.directory?.lease == .seconds(5))
        #expect(configuration.directory?.interval == .seconds(1))
    }

    @Test("handlers by name")
    func handlers() throws {
        for (name, expected) in [
            ("concurrent", Server.HandlerExecution.concurrent), ("io-thread", .ioThread), ("Adaptive", .adaptive),
        ] {
            var configuration = Server.Configuration(endpoints: [])
            try configuration.apply(reader(["ORDERS_HANDLERS": name]), scope: "orders")
            #expect(configuration.handlerExecution == expected)
        }
    }

    @Test(
        "a bad value names its variable",
        arguments: [
            ("ORDERS_MAX_CONCURRENT_CALLS", "0", "must be above zero"),
            ("ORDERS_HANDLERS", "threads", "is not adaptive, concurrent or io-thread"),
            ("ORDERS_WATCHDOG_MOVES", "maybe", "is not true or false"),
            ("ORDERS_GRACE_PERIOD_MS", "soon", "is not a whole number"),
            ("ORDERS_DIRECTORY_LEASE_MS", "500", "is set but ORDERS_DIRECTORY"),
            ("ORDERS_ENDPOINTS", " , ", "names nothing"),
        ]
    )
    func badValue(variable: String, value: String, message: String) throws {
        var configuration = Server.Configuration(endpoints: [])
        let error = try #require(throws: ResilienceConfigurationError.self) {
            try configuration.apply(reader([variable: value]), scope: "orders")
        }
        #expect(error.message.contains(variable))
        #expect(error.message.contains(message))
    }
}
