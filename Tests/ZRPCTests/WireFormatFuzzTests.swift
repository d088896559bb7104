import Foundation
import Testing
import ZeroMQ

@testable import ZRPC

/// `WireFormat.parse` against a model: random messages of valid calls, bad headers, cut-off
/// requests and wrong prefixes, read through a real socket (a `ReceivedMessage` comes only from one).
@Suite("Wire format fuzz")
struct WireFormatFuzzTests {
    /// What one generated unit of a message is, and what parsing it must give.
    private enum Unit {
        case request(UInt64)
        case response(UInt64)
        case cancel(UInt64)
        case ping(UInt64)
        case pong(UInt64)
        case streamMessage(UInt64)
        case streamEnd(UInt64)
        case credit(UInt64)
        /// A header that does not decode (a length running past the end).
        case garbage
        /// An empty header frame: decodes, but sets no kind.
        case noKind
        /// A request header as the last frame, its payload missing.
        case cutRequest(UInt64)

        var isValid: Bool {
            switch self {
            case .garbage, .noKind, .cutRequest: false
            default: true
            }
        }
    }

    /// A parsed call, reduced to what the model predicts.
    private struct Seen: Equatable {
        let kind: String
        let id: UInt64
        let payload: [UInt8]?
    }

    private static func payload(for id: UInt64) -> [UInt8] {
        Array("payload \(id)".utf8)
    }

    private static func frames(for unit: Unit) throws -> [Frame] {
        func header(_ kind: Zrpc_Wire_Header.Kind) throws -> Frame {
            try Zrpc_Wire_Header(kind: kind).packedFrame()
        }
        switch unit {
        case .request(let id):
            return [
                try header(.request(.init(callID: id, service: "s.S", method: "M"))),
                try Frame(bytes: payload(for: id)),
            ]
        case .response(let id):
            return [try header(.response(.init(callID: id))), try Frame(bytes: payload(for: id))]
        case .cancel(let id): return [try header(.cancel(.init(callID: id)))]
        case .ping(let id): return [try header(.ping(.init(nonce: id)))]
        case .pong(let id): return [try header(.pong(.init(nonce: id)))]
        case .streamMessage(let id):
            return [try header(.streamMessage(.init(callID: id))), try Frame(bytes: payload(for: id))]
        case .streamEnd(let id): return [try header(.streamEnd(.init(callID: id)))]
        case .credit(let id): return [try header(.credit(.init(callID: id, messages: 3)))]
        case .garbage: return [try Frame(bytes: [0x0A, 0xFF, 0xFF, 0xFF])]
        case .noKind: return [Frame()]
        case .cutRequest(let id): return [try header(.request(.init(callID: id, service: "s.S", method: "M")))]
        }
    }

    private static func seen(for unit: Unit) -> Seen? {
        switch unit {
        case .request(let id): Seen(kind: "request", id: id, payload: payload(for: id))
        case .response(let id): Seen(kind: "response", id: id, payload: payload(for: id))
        case .cancel(let id): Seen(kind: "cancel", id: id, payload: nil)
        case .ping(let id): Seen(kind: "ping", id: id, payload: nil)
        case .pong(let id): Seen(kind: "pong", id: id, payload: nil)
        case .streamMessage(let id): Seen(kind: "stream message", id: id, payload: payload(for: id))
        case .streamEnd(let id): Seen(kind: "stream end", id: id, payload: nil)
        case .credit(let id): Seen(kind: "credit", id: id, payload: nil)
        case .garbage, .noKind, .cutRequest: nil
        }
    }

    private static func seen(_ call: WireFormat.Parsed) -> Seen {
        let payload = call.payload.map(\.bytes)
        switch call.header.kind {
        case .request(let request)?: return Seen(kind: "request", id: request.callID, payload: payload)
        case .response(let response)?: return Seen(kind: "response", id: response.callID, payload: payload)
        case .cancel(let cancel)?: return Seen(kind: "cancel", id: cancel.callID, payload: payload)
        case .ping(let ping)?: return Seen(kind: "ping", id: ping.nonce, payload: payload)
        case .pong(let pong)?: return Seen(kind: "pong", id: pong.nonce, payload: payload)
        case .streamMessage(let message)?: return Seen(kind: "stream message", id: message.callID, payload: payload)
        case .streamEnd(let end)?: return Seen(kind: "stream end", id: end.callID, payload: payload)
        case .credit(let credit)?: return Seen(kind: "credit", id: credit.callID, payload: payload)
        case nil: return Seen(kind: "none", id: 0, payload: payload)
        }
    }

    @Test("parse reads every call up to the first bad one, and names what is wrong", arguments: 1...8)
    func parseMatchesModel(seed: UInt64) throws {
        let context = try Context()
        defer { context.shutdown() }
        let pull = try Socket(context, type: .pull)
        let push = try Socket(context, type: .push)
        defer {
            push.close()
            pull.close()
        }
        let endpoint = "inproc://wire-fuzz-\(UUID().uuidString)"
        try pull.bind(endpoint)
        try push.connect(endpoint)
        var random = SplitMixRandom(seed: seed)
        for round in 0..<300 {
            // The prefix: mostly right; sometimes a non-empty delimiter, another version or no signature.
            let prefixKind = random.next() % 10
            var frames: [Frame] = [
                prefixKind == 0 ? try Frame("x") : Frame(),
                try Frame(prefixKind == 1 ? "ZRPC02" : prefixKind == 2 ? "HTTP/1.1" : "ZRPC01"),
            ]
            var units: [Unit] = []
            for index in 0..<Int(random.next() % 12) {
                let id = UInt64(round * 100 + index + 1)
                let unit: Unit =
                    switch random.next() % 19 {
                    case 0..<5: .request(id)
                    case 5..<8: .response(id)
                    case 8, 9: .cancel(id)
                    case 10: .ping(id)
                    case 11: .pong(id)
                    case 12: .garbage
                    case 13: .noKind
                    case 14: .streamMessage(id)
                    case 15: .streamEnd(id)
                    case 16: .credit(id)
                    default: .cutRequest(id)
                    }
                units.append(unit)
                frames += try Self.frames(for: unit)
                if case .cutRequest = unit { break }  // a cut-off request can only be the last frame
            }
            if prefixKind == 3 { frames = Array(frames.prefix(2)) }  // too few frames
            try push.send(frames)

            let outcome = try pull.receiveMessage(maxFrames: 200) { message -> ([Seen], WireFormat.Failure?) in
                var calls: [Seen] = []
                let failure = WireFormat.parse(message, from: 0) { calls.append(Self.seen($0)) }
                return (calls, failure)
            }
            let (calls, failure) = try #require(outcome)

            switch prefixKind {
            case 0, 2, 3:
                #expect(calls.isEmpty)
                guard case .notZRPC? = failure else {
                    Issue.record("seed \(seed) round \(round): expected notZRPC, got \(String(describing: failure))")
                    continue
                }
            case 1 where !units.isEmpty:
                #expect(calls.isEmpty)
                #expect(failure == .unsupportedVersion("ZRPC02"))
            case 1:  // only two frames: too short to be ZRPC of any version
                #expect(calls.isEmpty)
                guard case .notZRPC? = failure else {
                    Issue.record("seed \(seed) round \(round): expected notZRPC, got \(String(describing: failure))")
                    continue
                }
            default:
                let valid = units.prefix { $0.isValid }
                #expect(calls == valid.compactMap(Self.seen), "seed \(seed) round \(round)")
                if units.isEmpty {
                    guard case .notZRPC? = failure else {
                        Issue.record("seed \(seed) round \(round): a message of only a prefix is not ZRPC")
                        continue
                    }
                } else if valid.count == units.count {
                    #expect(failure == nil, "seed \(seed) round \(round)")
                } else {
                    guard case .badHeader? = failure else {
                        Issue.record(
                            "seed \(seed) round \(round): expected badHeader, got \(String(describing: failure))"
                        )
                        continue
                    }
                }
            }
        }
    }
}
