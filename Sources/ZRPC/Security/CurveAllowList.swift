import Foundation
public import Logging
import Synchronization

/// The client public keys a CURVE server accepts: the allow-list its ZAP handler checks every new
/// connection against.
///
/// From code, or from a file of Z85 public keys, one per line; a line starting with `#` is a
/// comment, and so is whatever follows a key after whitespace and `#`:
///
/// ```text
/// # orders service clients
/// rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7   # billing
/// ```
///
/// A file-backed list is reloaded when the file changes (its modification time is checked every
/// second) and when the process gets `SIGHUP`; connections already made stay up, new ones are
/// checked against the new list. A file that cannot be read or holds a line that is not a key
/// empties the list (fail closed: every new connection is refused) until it is fixed, and says so
/// in the log.
///
/// ```swift
/// let allowList = try CurveAllowList(contentsOf: "/etc/zrpc/orders.allow", logger: logger)
/// let fixed = try CurveAllowList(keys: [billing.publicKey])
/// ```
public final class CurveAllowList: Sendable, CustomStringConvertible {
    private struct State {
        var keys: Set<String>
        var modified: Date?
        var hangups: UInt64
    }

    /// The file the list is read from, nil for a list given in code.
    public let path: String?
    private let logger: Logger
    private let state: Mutex<State>

    /// A fixed list of keys.
    ///
    /// - Parameter keys: Client public keys (Z85).
    /// - Throws: ``RPCError`` (`INVALID_ARGUMENT`) for a key that is not a CURVE public key.
    public init(keys: some Sequence<String>) throws {
        let valid = try Set(keys.map { try CurveKeys.validatedPublicKey($0) })
        path = nil
        logger = Logger(label: "zrpc.curve")
        state = Mutex(State(keys: valid, modified: nil, hangups: HangupSignal.count))
    }

    /// A list read from a file, and reloaded when it changes or on `SIGHUP`.
    ///
    /// - Parameters:
    ///   - path: The file: Z85 public keys, one per line, `#` comments.
    ///   - logger: Where reloads and errors are logged (keys are public; nothing secret is logged).
    /// - Throws: ``RPCError`` (`INVALID_ARGUMENT`) if the file cannot be read or holds a bad line.
    public init(contentsOf path: String, logger: Logger = Logger(label: "zrpc.curve")) throws {
        self.path = path
        self.logger = logger
        HangupSignal.install()
        let modified = Self.modificationDate(path)
        let keys = try Self.read(path)
        state = Mutex(State(keys: keys, modified: modified, hangups: HangupSignal.count))
    }

    /// Whether `publicKey` (Z85) may connect.
    ///
    /// - Parameter publicKey: A client public key.
    public func contains(_ publicKey: String) -> Bool {
        state.withLock { $0.keys.contains(publicKey) }
    }

    /// The keys allowed now.
    public var keys: Set<String> {
        state.withLock { $0.keys }
    }

    /// Reads the file again now (a list from code is left as it is).
    ///
    /// - Throws: ``RPCError`` (`INVALID_ARGUMENT`) if the file cannot be read or holds a bad line;
    ///   the list is then empty (every new connection is refused) until a reload succeeds.
    public func reload() throws {
        guard let path else { return }
        let modified = Self.modificationDate(path)
        do {
            let keys = try Self.read(path)
            state.withLock {
                $0.keys = keys
                $0.modified = modified
            }
            logger.info("CURVE allow-list reloaded", metadata: ["path": "\(path)", "keys": "\(keys.count)"])
        } catch {
            state.withLock {
                $0.keys = []
                $0.modified = modified
            }
            logger.error(
                "CURVE allow-list unusable: refusing every new connection",
                metadata: ["path": "\(path)", "error": "\(error)"]
            )
            throw error
        }
    }

    /// Reloads the file if it changed or `SIGHUP` arrived since the last load (the ZAP handler calls
    /// this about once a second).
    func reloadIfChanged() {
        guard let path else { return }
        let modified = Self.modificationDate(path)
        let hangups = HangupSignal.count
        let changed = state.withLock { state in
            defer { state.hangups = hangups }
            return state.modified != modified || state.hangups != hangups
        }
        if changed { try? reload() }
    }

    /// `CurveAllowList(path: …, keys: n)`.
    public var description: String {
        "CurveAllowList(\(path.map { "path: \($0), " } ?? "")keys: \(keys.count))"
    }

    private static func modificationDate(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// The keys of an allow-list file.
    static func read(_ path: String) throws -> Set<String> {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw RPCError(code: .invalidArgument, message: "cannot read the CURVE allow-list \(path)", cause: error)
        }
        return try parse(text, source: path)
    }

    /// The keys of an allow-list's text: one key per line, optionally followed by whitespace and a
    /// `#` comment; lines that are blank or start with `#` (and are not a key: Z85 keys may contain
    /// and even start with `#`) are skipped.
    static func parse(_ text: String, source: String) throws -> Set<String> {
        var keys = Set<String>()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = line.split(whereSeparator: \.isWhitespace)
            guard let first = words.first else { continue }
            let key = try? CurveKeys.validatedPublicKey(String(first))
            if key == nil, first.hasPrefix("#") { continue }
            do {
                guard let key, words.count == 1 || words[1].hasPrefix("#") else {
                    throw RPCError(code: .invalidArgument, message: "not a key")
                }
                keys.insert(key)
            } catch {
                throw RPCError(
                    code: .invalidArgument,
                    message: "\(source) line \(number + 1) is not a CURVE public key (40 Z85 characters)"
                )
            }
        }
        return keys
    }
}
