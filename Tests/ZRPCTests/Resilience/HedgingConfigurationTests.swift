import Configuration
import Testing

@testable import ZRPC

/// Hedging settings in code and from environment variables (swift-configuration).
@Suite("Hedging configuration")
struct HedgingConfigurationTests {
    func reader(_ variables: [String: String]) -> ConfigReader {
        ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: variables))
    }

    @Test("HEDGING_MAX_ATTEMPTS and HEDGING_DELAY_MS set the policy; per method, attempts and delay")
    func fromEnvironment() throws {
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        let get = MethodDescriptor(service: "orders.Orders", method: "Get", idempotency: .noSideEffects)
        let list = MethodDescriptor(service: "orders.Orders", method: "List", idempotency: .noSideEffects)
        try configuration.apply(
            reader([
                "ORDERS_HEDGING_MAX_ATTEMPTS": "3",
                "ORDERS_HEDGING_DELAY_MS": "20",
                "ORDERS_GET_HEDGING_MAX_ATTEMPTS": "1",
                "ORDERS_LIST_HEDGING_DELAY_MS": "70",
            ]),
            scope: "orders",
            methods: [get, list]
        )
        let hedging = try #require(configuration.resilience.hedging)
        #expect(hedging.maxAttempts == 3)
        #expect(hedging.hedgingDelay == .milliseconds(20))
        #expect(hedging.maxAttemptsByMethod == ["orders.Orders/Get": 1])
        #expect(hedging.hedgingDelayByMethod == ["orders.Orders/List": .milliseconds(70)])
        #expect(hedging.attempts(for: get) == 1, "Get is not hedged")
        #expect(hedging.attempts(for: list) == 3)
        #expect(hedging.delay(for: list) == .milliseconds(70))
        #expect(hedging.delay(for: get) == .milliseconds(20))
        #expect(configuration.resilience.retry == nil)
    }

    @Test("one setting alone turns hedging on over the code's policy, or the defaults")
    func settingAlone() throws {
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        try configuration.apply(reader(["KV_HEDGING_DELAY_MS": "15"]), scope: "kv")
        #expect(configuration.resilience.hedging?.hedgingDelay == .milliseconds(15))
        #expect(configuration.resilience.hedging?.maxAttempts == HedgingInterceptor.Policy().maxAttempts)

        var coded = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        coded.resilience.hedging = .init(
            maxAttempts: 4,
            hedgingDelay: .milliseconds(80),
            idempotentMethods: ["kv.KV/Put"]
        )
        try coded.apply(reader(["KV_HEDGING_MAX_ATTEMPTS": "2"]), scope: "kv")
        #expect(coded.resilience.hedging?.maxAttempts == 2)
        #expect(coded.resilience.hedging?.hedgingDelay == .milliseconds(80))
        #expect(coded.resilience.hedging?.idempotentMethods == ["kv.KV/Put"])
    }

    @Test(
        "a value that does not parse, or is invalid, is an error naming the variable",
        arguments: [
            ("ORDERS_HEDGING_MAX_ATTEMPTS", "0", "ORDERS_HEDGING_MAX_ATTEMPTS"),
            ("ORDERS_HEDGING_MAX_ATTEMPTS", "two", "ORDERS_HEDGING_MAX_ATTEMPTS"),
            ("ORDERS_HEDGING_DELAY_MS", "-5", "ORDERS_HEDGING_DELAY_MS"),
            ("ORDERS_GET_HEDGING_MAX_ATTEMPTS", "2", "hedging is off"),
            ("ORDERS_GET_HEDGING_DELAY_MS", "20", "ORDERS_GET_HEDGING_DELAY_MS (orders.get.hedging.delay-ms) is set"),
        ]
    )
    func invalid(variable: String, value: String, mentions: String) throws {
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        let get = MethodDescriptor(service: "orders.Orders", method: "Get")
        let error = try #require(throws: ResilienceConfigurationError.self) {
            try configuration.apply(reader([variable: value]), scope: "orders", methods: [get])
        }
        #expect(error.message.contains(mentions), "\(error.message)")
    }

    @Test("an invalid policy in code is refused when the client is made")
    func invalidInCode() {
        var configuration = Client.Configuration(endpoints: ["tcp://127.0.0.1:1"])
        configuration.resilience.hedging = .init(maxAttempts: 0)
        #expect(throws: ResilienceConfigurationError.self) { _ = try Client(configuration: configuration) }
        configuration.resilience.hedging = .init()
        configuration.resilience.hedging?.hedgingDelayByMethod = ["a.B/C": .milliseconds(-1)]
        #expect(throws: ResilienceConfigurationError.self) { _ = try Client(configuration: configuration) }
        configuration.resilience.hedging = .init()
        configuration.resilience.retryBudget = RetryBudget(maxTokens: 0)
        #expect(throws: ResilienceConfigurationError.self) { _ = try Client(configuration: configuration) }
    }

    @Test("the start-up summary names hedging beside retries, with their one budget")
    func summary() {
        var policy = ResiliencePolicy()
        policy.retry = .init(maxAttempts: 3)
        policy.hedging = .init(maxAttempts: 2, hedgingDelay: .milliseconds(20))
        #expect(policy.summary == "retry(3 attempts) or hedging(2 attempts after 0.02 seconds) with budget 10.0")
    }
}
