import CatalogMessages
import CatalogService
import Foundation
import Logging
import OrdersMessages
import OrdersService
import Testing
import WorkerService
import ZRPC

/// A whole place-order → worker flow in this process (the catalog and the orders service in process, a
/// real broker on tcp://127.0.0.1:*, a worker of each kind), every component logging at trace level into
/// one store: no line carries an email, a card number or a card token.
@Suite struct OrdersFlowLogTests {
    @Test func noLogLineCarriesPersonalDataOrSecrets() async throws {
        let store = RecordingLogHandler.Store()
        try await withTemporaryDirectory { directory in
            let repository = InMemoryOrderRepository()
            let payments = try await EffectLedger(path: directory.appendingPathComponent("payment.sqlite").path)
            let notifications = try await EffectLedger(path: directory.appendingPathComponent("notify.sqlite").path)
            let catalogServer = InProcessServer(
                configuration: .init(endpoints: [], logger: .recording(into: store, label: "catalog")),
                services: [
                    CatalogHandler(
                        catalog: ProductCatalog(repository: InMemoryProductRepository(products: sampleProducts))
                    )
                ]
            )
            var placed: [(request: Cluster_PlaceOrderRequest, order: Cluster_Order)] = []
            try await withBroker(in: directory, logger: .recording(into: store, label: "broker")) {
                broker,
                brokerClient in
                try await Client.withClient(
                    calling: catalogServer,
                    configuration: recordingClient(store, "catalog-client")
                ) {
                    catalogClient in
                    let book = OrderBook(
                        repository: repository,
                        prices: CatalogPriceLookup(catalog: Cluster_Catalog.Client(wrapping: catalogClient)),
                        tasks: BrokerTaskEnqueuer(
                            producer: Cluster_OrderTasks.Producer(client: brokerClient),
                            timeout: generous
                        ),
                        logger: .recording(into: store, label: "orders")
                    )
                    let ordersServer = InProcessServer(
                        configuration: .init(endpoints: [], logger: .recording(into: store, label: "orders-server")),
                        services: [OrdersHandler(book: book)]
                    )
                    let handlers =
                        worker(payments, store, "payment-worker").handlers(for: .payment)
                        + worker(notifications, store, "notification-worker").handlers(for: .notification)
                    try await withQueueWorker(
                        client: brokerClient,
                        handlers: handlers,
                        logger: .recording(into: store, label: "queue-worker")
                    ) {
                        try await Client.withClient(
                            calling: ordersServer,
                            configuration: recordingClient(store, "shop")
                        ) {
                            client in
                            let orders = Cluster_Orders.Client(wrapping: client)
                            for index in 1...5 {
                                let request = Cluster_PlaceOrderRequest(
                                    customerEmail: "customer.\(index).private@example.com",
                                    cardNumber: luhnCardNumber(index),
                                    sku: "SKU-\(index % 2 + 1)",
                                    quantity: UInt32(index)
                                )
                                placed.append(
                                    (request, try await orders.placeOrder(request, options: .init(timeout: generous)))
                                )
                            }
                            // Refused requests (the card number's check digit is wrong; the address is no
                            // address) are logged by nobody with their values either.
                            _ = try? await orders.placeOrder(
                                .init(
                                    customerEmail: "refused.private@example.com",
                                    cardNumber: "4000123412341235",
                                    sku: "SKU-1",
                                    quantity: 1
                                )
                            )
                            _ = try? await orders.placeOrder(
                                .init(
                                    customerEmail: "bad address private",
                                    cardNumber: luhnCardNumber(99),
                                    sku: "SKU-1",
                                    quantity: 1
                                )
                            )
                        }
                        let settled = await eventually(within: .seconds(60)) {
                            broker.settled(WorkerKind.payment.queue, enqueued: 5)
                                && broker.settled(WorkerKind.notification.queue, enqueued: 5)
                        }
                        #expect(settled)
                    }
                }
            }
            #expect(try await payments.summary() == .init(effects: 5, deliveries: 5, duplicateEffects: 0))
            #expect(try await notifications.summary() == .init(effects: 5, deliveries: 5, duplicateEffects: 0))
            var secrets = ["refused.private", "4000123412341235", "bad address private", luhnCardNumber(99)]
            for (request, order) in placed {
                #expect(order.status == .queued)
                let token = try #require(try await repository.order(id: order.id)).cardToken
                secrets += [request.customerEmail, request.cardNumber, String(request.cardNumber.suffix(8)), token]
            }
            let lines = store.all
            #expect(
                lines.contains { $0.contains("order placed") } && lines.contains { $0.contains("effect performed") }
            )
            for secret in secrets {
                #expect(!lines.contains { $0.contains(secret) }, "logged: \(secret)")
            }
        }
    }

    private func worker(_ ledger: EffectLedger, _ store: RecordingLogHandler.Store, _ label: String) -> OrderTaskWorker
    {
        OrderTaskWorker(ledger: ledger, faults: .none, gate: TaskGate(), logger: .recording(into: store, label: label))
    }

    /// Each call's time: far more than the calls need, so a machine busy with other work (the whole suite
    /// at once, other builds) does not fail the test with a deadline; the test is about logs.
    private let generous = Duration.seconds(15)

    private func recordingClient(_ store: RecordingLogHandler.Store, _ label: String) -> Client.Configuration {
        var configuration = Client.Configuration(endpoints: [], defaultTimeout: generous)
        configuration.methodTimeouts = [Cluster_Catalog.Method.GetProduct.descriptor.fullName: generous]
        configuration.logger = .recording(into: store, label: label)
        return configuration
    }
}

/// A 16-digit card number, different for each `index`, whose Luhn check digit is right.
func luhnCardNumber(_ index: Int) -> String {
    let body = "4000" + String(String(index).reversed()).padding(toLength: 11, withPad: "7", startingAt: 0)
    var sum = 0
    for (offset, character) in body.reversed().enumerated() {
        let digit = character.wholeNumberValue ?? 0
        let value = offset.isMultiple(of: 2) ? digit * 2 : digit
        sum += value > 9 ? value - 9 : value
    }
    return body + String((10 - sum % 10) % 10)
}
