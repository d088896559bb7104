import Foundation
public import Logging
public import OrdersMessages
import Synchronization
import ZRPC

/// The scheduler's cron job: asks the orders service to reconcile its outbox with the broker (relay
/// every order still placed, now) and watches the answer. An outbox that stays non-empty while the
/// broker cannot be reached for ``stuckAfter`` runs in a row is logged as a warning, once per outage.
/// It knows the orders service only as the generated client protocol, so tests give it a mock.
///
/// ```swift
/// let job = ReconciliationJob(orders: Cluster_Orders.Client(wrapping: ordersClient), logger: logger)
/// await job.run(fire: "reconcile-orders@2026-12-07T19:00:05.000Z")
/// print(job.statistics.runs, job.statistics.relayed)
/// ```
public final class ReconciliationJob: Sendable {
    /// What the job has done since it was made.
    public struct Statistics: Hashable, Sendable {
        /// Runs that got an answer.
        public var runs = 0
        /// Runs whose call failed (the orders service down, its deadline passed, …).
        public var failures = 0
        /// Orders relayed to the broker by all runs.
        public var relayed = 0
        /// The orders still in the outbox after the last answered run.
        public var placed = 0
        /// Runs in a row, up to now, that found orders in the outbox and the broker unreachable.
        public var stuckRuns = 0
    }

    /// Runs in a row with a stuck outbox before a warning.
    public let stuckAfter: Int
    private let orders: any Cluster_Orders.ClientProtocol
    private let logger: Logger
    private let counters = Mutex(Statistics())

    /// Creates the job.
    ///
    /// - Parameters:
    ///   - orders: The orders service.
    ///   - stuckAfter: Runs in a row with a stuck outbox before a warning (3 by default).
    ///   - logger: Where it logs counts (never an order's content).
    public init(orders: any Cluster_Orders.ClientProtocol, stuckAfter: Int = 3, logger: Logger) {
        self.orders = orders
        self.stuckAfter = stuckAfter
        self.logger = logger
    }

    /// The counters now.
    public var statistics: Statistics { counters.withLock { $0 } }

    /// One run, for the scheduled fire `fire`; never throws: a failed run is counted and logged, and
    /// the next fire tries again.
    ///
    /// - Parameter fire: The fire's key (the schedule's name and instant).
    public func run(fire: String) async {
        do {
            let report = try await orders.reconcile(.init(fire: fire), options: CallOptions())
            let stuck = report.placed > 0 && !report.brokerReachable
            let stuckRuns = counters.withLock { counters in
                counters.runs += 1
                counters.relayed += Int(report.relayed)
                counters.placed = Int(report.placed)
                counters.stuckRuns = stuck ? counters.stuckRuns + 1 : 0
                return counters.stuckRuns
            }
            let metadata: Logger.Metadata = [
                "fire": "\(fire)", "relayed": "\(report.relayed)", "placed": "\(report.placed)",
                "queued": "\(report.queued)",
            ]
            if stuckRuns == stuckAfter {
                logger.warning("orders are stuck in the outbox: the broker cannot be reached", metadata: metadata)
            } else if report.relayed > 0 {
                logger.notice("reconciliation relayed orders", metadata: metadata)
            } else {
                logger.debug("reconciliation", metadata: metadata)
            }
        } catch {
            counters.withLock { $0.failures += 1 }
            let code = (error as? RPCError).map { "\($0.code)" } ?? String(describing: type(of: error))
            logger.warning("reconciliation failed", metadata: ["fire": "\(fire)", "status": "\(code)"])
        }
    }
}
