import GRDB
import ZRPC

/// How a store's failure reaches a producer: a status that says nothing was confirmed.
enum StoreFailure {
    /// RESOURCE_EXHAUSTED for a full disk, UNAVAILABLE for anything else (a read-only or locked
    /// file, an I/O error), with what the broker was doing and SQLite's own message.
    static func rpcError(_ error: any Error, doing what: String) -> RPCError {
        guard let database = error as? DatabaseError else {
            return RPCError(code: .unavailable, message: "the broker could not \(what): \(error); nothing was queued")
        }
        let code: RPCError.Code = database.resultCode == .SQLITE_FULL ? .resourceExhausted : .unavailable
        return RPCError(
            code: code,
            message:
                "the broker's store could not \(what) (\(database.resultCode)): \(database.message ?? "no detail"); nothing was queued"
        )
    }
}

/// The store found a state it cannot be in (a bug, or the file changed behind its back).
struct StoreInconsistency: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
