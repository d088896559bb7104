import Configuration
import Logging
import Testing
import ZRPC

/// Client settings from environment variables (swift-configuration).
@Suite("Client configuration from the environment")
struct ConfigurationReaderTests {
    func reader(_ variables: [String: String]) -> ConfigReader {
        ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: variables))
    }

    @Test("a log level under a scope, in any case; a word that is not a level names the variable")
    func logLevel() throws {
        #expect(try Logger.Level.read(reader(["ORDERS_LOG_LEVEL": " Trace "]), scope: "orders") == .trace)
        #expect(try Logger.Level.read(reader(["ORDERS_LOG_LEVEL": "warning"]), scope: "orders") == .warning)
        #expect(try Logger.Level.read(reader(["BILLING_LOG_LEVEL": "debug"]), scope: "orders") == nil)
        let error = #expect(throws: (any Error).self) {
            try Logger.Level.read(reader(["ZRPC_BROKER_LOG_LEVEL": "loud"]), scope: "zrpc.broker")
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("ZRPC_BROKER_LOG_LEVEL"))
    }

    @Test("settings under a scope override the code's, the rest stay")
    func applies() throws {
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"], defaultTimeout: .seconds(5))
        try configuration.apply(
            reader([
                "ORDERS_ENDPOINTS": "tcp://127.0.0.1:2, tcp://127.0.0.1:3",
                "ORDERS_TIMEOUT_MS": "250",
                "ORDERS_RETRY_MAX_ATTEMPTS": "4",
                "ORDERS_RETRY_INITIAL_BACKOFF_MS": "20",
                "ORDERS_BREAKER_FAILURE_RATE": "0.25",
                "ORDERS_BREAKER_MINIMUM_CALLS": "8",
                "ORDERS_BREAKER_WINDOW_CALLS": "16",
                "ORDERS_BULKHEAD_MAX_CONCURRENT": "12",
                "BILLING_TIMEOUT_MS": "9999",
            ]),
            scope: "orders"
        )
        #expect(configuration.endpoints == ["tcp://127.0.0.1:2", "tcp://127.0.0.1:3"])
        #expect(configuration.defaultTimeout == .milliseconds(250))
        #expect(configuration.resilience.retry?.maxAttempts == 4)
        #expect(configuration.resilience.retry?.backoff.initial == .milliseconds(20))
        #expect(configuration.resilience.circuitBreaker?.failureRateThreshold == 0.25)
        #expect(configuration.resilience.circuitBreaker?.window == .count(16))
        #expect(configuration.resilience.bulkhead?.maxConcurrentCalls == 12)
        #expect(configuration.resilience.cache == nil)
    }

    @Test("per-method timeouts and attempt limits")
    func perMethod() async throws {
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        let read = MethodDescriptor(service: "orders.Orders", method: "Get")
        try configuration.apply(
            reader([
                "ORDERS_RETRY_MAX_ATTEMPTS": "2",
                "ORDERS_GET_TIMEOUT_MS": "80",
                "ORDERS_GET_RETRY_MAX_ATTEMPTS": "5",
            ]),
            scope: "orders",
            methods: [read]
        )
        #expect(configuration.methodTimeouts["orders.Orders/Get"] == .milliseconds(80))
        #expect(configuration.resilience.retry?.maxAttempts == 2)
        #expect(configuration.resilience.retry?.maxAttemptsByMethod["orders.Orders/Get"] == 5)

        var off = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        #expect(throws: ResilienceConfigurationError.self) {
            try off.apply(reader(["ORDERS_GET_RETRY_MAX_ATTEMPTS": "5"]), scope: "orders", methods: [read])
        }
    }

    @Test("nothing set changes nothing")
    func absent() throws {
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        try configuration.apply(reader([:]), scope: "orders")
        #expect(configuration.endpoints == ["tcp://127.0.0.1:1"])
        #expect(configuration.defaultTimeout == .seconds(5))
        #expect(configuration.resilience.retry == nil)
    }

    @Test(
        "a value that does not parse, or is invalid, is an error naming the variable that was set",
        arguments: [
            ("ORDERS_TIMEOUT_MS", "soon", "ORDERS_TIMEOUT_MS"),
            ("ORDERS_RETRY_MAX_ATTEMPTS", "0", "maxAttempts"),
            ("ORDERS_RETRY_MAX_ATTEMPTS", "0", "ORDERS_RETRY_MAX_ATTEMPTS"),
            ("ORDERS_BREAKER_FAILURE_RATE", "lots", "ORDERS_BREAKER_FAILURE_RATE"),
            ("ORDERS_BULKHEAD_MAX_CONCURRENT", "-1", "maxConcurrentCalls"),
            ("ORDERS_BULKHEAD_MAX_WAIT_MS", "-5", "ORDERS_BULKHEAD_MAX_WAIT_MS"),
            ("ORDERS_ENDPOINTS", " , ", "ORDERS_ENDPOINTS"),
        ]
    )
    func invalid(variable: String, value: String, mentions: String) throws {
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        let error = try #require(throws: ResilienceConfigurationError.self) {
            try configuration.apply(reader([variable: value]), scope: "orders")
        }
        #expect(error.message.contains(mentions), "\(error.message)")
    }

    @Test("one breaker setting alone turns the breaker on, the defaults filling in the rest")
    func breakerSettingAlone() throws {
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        try configuration.apply(reader(["KV_BREAKER_MINIMUM_CALLS": "15"]), scope: "kv")
        let breaker = try #require(configuration.resilience.circuitBreaker)
        #expect(breaker.minimumCalls == 15)
        #expect(breaker.failureRateThreshold == CircuitBreaker.Policy().failureRateThreshold)
        #expect(breaker.window == CircuitBreaker.Policy().window)
    }

    @Test("one setting alone that clashes with the defaults is an error naming it, never ignored")
    func breakerSettingAloneInvalid() throws {
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        let error = try #require(throws: ResilienceConfigurationError.self) {
            try configuration.apply(reader(["KV_BREAKER_MINIMUM_CALLS": "30"]), scope: "kv")
        }
        #expect(error.message.contains("KV_BREAKER_MINIMUM_CALLS"), "\(error.message)")
        #expect(configuration.resilience.circuitBreaker == nil)
    }

    @Test(
        "a retry or bulkhead setting alone turns its layer on too",
        arguments: [
            "KV_RETRY_INITIAL_BACKOFF_MS", "KV_BULKHEAD_MAX_WAIT_MS",
        ]
    )
    func otherSettingAlone(variable: String) throws {
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        try configuration.apply(reader([variable: "40"]), scope: "kv")
        if variable.contains("RETRY") {
            #expect(configuration.resilience.retry?.backoff.initial == .milliseconds(40))
            #expect(configuration.resilience.retry?.maxAttempts == RetryInterceptor.Policy().maxAttempts)
        } else {
            #expect(configuration.resilience.bulkhead?.maxWait == .milliseconds(40))
            #expect(configuration.resilience.bulkhead?.maxConcurrentCalls == Bulkhead.Policy().maxConcurrentCalls)
        }
    }
}
