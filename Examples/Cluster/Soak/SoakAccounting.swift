import Foundation
import WorkerService
import ZRPC

/// What the checks found about the work the soak issued: every confirmed order's two tasks acked
/// (their effect is in a worker's ledger) or dead-lettered (lost = 0), no effect for an order that
/// was never confirmed to the soak (unexpected = 0), and no side effect twice (duplicate effects =
/// 0, from the ledgers' run logs).
struct SoakAccounting {
    var issued = 0
    var acked = 0
    var deadLettered = 0
    var lost = 0
    var unexpected = 0
    var duplicateEffects = 0

    var passed: Bool { lost == 0 && unexpected == 0 && duplicateEffects == 0 }

    /// Counts from the confirmed orders, the worker kinds' ledgers and the broker's dead letters.
    ///
    /// - Parameters:
    ///   - confirmedOrders: The order ids the orders service confirmed.
    ///   - ledgers: Each worker kind's ledger file.
    ///   - deadLettered: Tasks the broker dead-lettered (its admin statistics), all queues.
    static func count(
        confirmedOrders: Set<String>,
        ledgers: [String],
        deadLettered: Int
    ) async throws -> SoakAccounting {
        var accounting = SoakAccounting(issued: confirmedOrders.count * ledgers.count, deadLettered: deadLettered)
        for path in ledgers {
            let ledger = try await EffectLedger(path: path)
            let effected = try await ledger.orderIDs()
            accounting.acked += effected.intersection(confirmedOrders).count
            accounting.unexpected += effected.subtracting(confirmedOrders).count
            accounting.duplicateEffects += try await ledger.summary().duplicateEffects
        }
        accounting.lost = max(0, accounting.issued - accounting.acked - accounting.deadLettered)
        return accounting
    }
}
