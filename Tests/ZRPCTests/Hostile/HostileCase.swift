import Testing
import ZRPC

/// One kind of hostile input to a server process, and what the server must do with it.
struct HostileCase: Sendable, CustomTestStringConvertible {
    /// What comes back on the hostile connection, in any order (before the next good call's answer).
    enum Answer: Hashable, Comparable, CustomStringConvertible {
        case response(callID: UInt64, code: Int32)
        case pong(nonce: UInt64)

        var description: String {
            switch self {
            case .response(let callID, let code):
                "\(RPCError.Code(rawValue: code)) (\(code)), call id \(callID)"
            case .pong(let nonce): "a pong, nonce \(nonce)"
            }
        }
    }

    let name: String
    /// The messages sent, each a list of frames (after the routing id the server adds).
    let messages: @Sendable () -> [[[UInt8]]]
    /// What the sender gets back.
    let answers: [Answer]
    /// How the server's counters (`ServerStatistics.Snapshot`) change; every other one stays.
    let counted: [String: Int]
    /// Text every answer's status message must contain, when given.
    var messageContains: String?
    /// The most the server's resident memory may grow over its baseline, in a plain run.
    var memoryBound = 32 << 20
    /// The good client's slowest call may take at most this long (by default its deadline).
    var latencyBound: Duration?

    var testDescription: String { name }

    /// What the table says the peer gets, for docs/SECURITY.md.
    var documentedAnswer: String {
        let replies = answers.isEmpty ? "no answer" : Set(answers.map(\.description)).sorted().joined(separator: "; ")
        let counters = counted.sorted { $0.key < $1.key }.map { "\($0.key) +\($0.value)" }
        return counters.isEmpty ? replies : "\(replies); counted \(counters.joined(separator: ", "))"
    }
}

extension HostileCase {
    static let invalidArgument = RPCError.Code.invalidArgument.rawValue
    static let unimplemented = RPCError.Code.unimplemented.rawValue

    /// A message of `calls` requests for Read, call ids 1…calls.
    static func batch(_ calls: Int) -> [[UInt8]] {
        var frames: [[UInt8]] = [[], Wire.signature]
        for callID in 1...calls {
            frames += [Wire.requestHeader(callID: UInt64(callID)), Wire.faultRequest("batch")]
        }
        return frames
    }

    /// A half-close and a credit for a call the server does not have: docs/PROTOCOL.md ("Frames
    /// for a call that has ended are dropped (the server counts them)") and
    /// `ServerStatistics.lateStreamMessages` say they are counted; the server drops them uncounted.
    static let lateHalfCloseAndCredit = HostileCase(
        name: "a half-close and a credit for a call that does not exist",
        messages: { [[[], Wire.signature, Wire.control(field: 7, callID: 999), Wire.control(field: 8, callID: 999)]] },
        answers: [],
        counted: ["lateStreamMessages": 2]
    )

    /// A payload under the size limit whose decoding asks for more than the allocation budget.
    static let repeatedFields = HostileCase(
        name: "a payload of 2,000,000 repeated unknown fields (4 MB, under the 4 MiB limit)",
        messages: {
            [
                [
                    [], Wire.signature, Wire.requestHeader(callID: 7),
                    (0..<4_000_000).map { $0.isMultiple(of: 2) ? 0x78 : 0x00 },
                ]
            ]
        },
        answers: [.response(callID: 7, code: RPCError.Code.resourceExhausted.rawValue)],
        counted: ["rejectedCalls": 1],
        memoryBound: 96 << 20
    )

    /// The payload of 2,000,000 unknown fields again, with the good client held back at most 100 ms.
    static let repeatedFieldsStall: HostileCase = {
        var stall = repeatedFields
        // Before large requests left the I/O thread: 0.37 s median, 0.9 s worst. A loaded machine
        // (the whole suite, or ASan) needs more room than the quiet one's few milliseconds.
        stall.latencyBound = FaultServiceProcess.sanitized ? .seconds(2) : .milliseconds(250)
        return stall
    }()

    /// Every case of the table, sent from one raw DEALER to a fresh server process.
    static let all: [HostileCase] = framing + headers + payloads + calls

    static let framing: [HostileCase] = [
        HostileCase(name: "a lone empty frame", messages: { [[[]]] }, answers: [], counted: ["malformedMessages": 1]),
        HostileCase(
            name: "an empty message (four empty frames)",
            messages: { [[[], [], [], []]] },
            answers: [],
            counted: ["malformedMessages": 1]
        ),
        HostileCase(
            name: "too few frames (delimiter and signature only)",
            messages: { [[[], Wire.signature]] },
            answers: [],
            counted: ["malformedMessages": 1]
        ),
        HostileCase(
            name: "too many frames (5,000 in one message)",
            messages: { [Array(repeating: [0x78], count: 5_000)] },
            answers: [],
            counted: ["malformedMessages": 1, "oversizedMessages": 1]
        ),
        HostileCase(
            name: "a batch of 33 calls (over the 32 a message may carry)",
            messages: { [batch(33)] },
            answers: [],
            counted: ["malformedMessages": 1, "oversizedMessages": 1]
        ),
        HostileCase(
            name: "a batch of 32 calls (the limit)",
            messages: { [batch(32)] },
            answers: (1...32).map { .response(callID: UInt64($0), code: 0) },
            counted: [:]
        ),
        HostileCase(
            name: "no empty delimiter frame",
            messages: { [Array(Wire.read(callID: 5).dropFirst())] },
            answers: [],
            counted: ["malformedMessages": 1]
        ),
        HostileCase(
            name: "a wrong signature (HTTP/1.1)",
            messages: { [[[], Array("HTTP/1.1".utf8), Array("x".utf8), Array("y".utf8)]] },
            answers: [],
            counted: ["malformedMessages": 1]
        ),
        HostileCase(
            name: "another protocol version (ZRPC02)",
            messages: { [[[], Array("ZRPC02".utf8), Wire.requestHeader(callID: 5), Wire.faultRequest("v2")]] },
            answers: [.response(callID: 0, code: unimplemented)],
            counted: ["unsupportedVersions": 1],
            messageContains: "unsupported protocol version ZRPC02; this server speaks ZRPC01"
        ),
        HostileCase(
            name: "a ZRPC signature longer than 16 bytes",
            messages: {
                [[[], Array("ZRPC01-and-then-some".utf8), Wire.requestHeader(callID: 5), Wire.faultRequest("long")]]
            },
            answers: [.response(callID: 0, code: unimplemented)],
            counted: ["unsupportedVersions": 1]
        ),
        HostileCase(
            name: "a ZRPC signature that is not UTF-8",
            messages: { [[[], [0x5A, 0x52, 0x50, 0x43, 0xFF, 0xFE], Wire.requestHeader(callID: 5), []]] },
            answers: [.response(callID: 0, code: unimplemented)],
            counted: ["unsupportedVersions": 1]
        ),
    ]

    static let headers: [HostileCase] = [
        HostileCase(
            name: "a truncated header",
            messages: {
                let header = Wire.requestHeader(callID: 5)
                return [[[], Wire.signature, Array(header.prefix(header.count / 2)), Wire.faultRequest("cut")]]
            },
            answers: [.response(callID: 0, code: invalidArgument)],
            counted: ["malformedMessages": 1],
            messageContains: "malformed ZRPC message"
        ),
        HostileCase(
            name: "a header that is not protobuf",
            messages: { [[[], Wire.signature, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF], []]] },
            answers: [.response(callID: 0, code: invalidArgument)],
            counted: ["malformedMessages": 1]
        ),
        HostileCase(
            name: "a header whose declared length lies (100 bytes declared, 2 sent)",
            messages: { [[[], Wire.signature, [0x0A, 0x64, 0x08, 0x05], []]] },
            answers: [.response(callID: 0, code: invalidArgument)],
            counted: ["malformedMessages": 1]
        ),
        HostileCase(
            name: "an empty header (no kind)",
            messages: { [[[], Wire.signature, [], []]] },
            answers: [.response(callID: 0, code: invalidArgument)],
            counted: ["malformedMessages": 1],
            messageContains: "the header sets no kind"
        ),
        HostileCase(
            name: "an oversized header (a 70 KiB method name, over the 64 KiB header limit)",
            messages: {
                [
                    [
                        [], Wire.signature,
                        Wire.requestHeader(callID: 5, method: Array(repeating: 0x61, count: 70 << 10)), [],
                    ]
                ]
            },
            answers: [.response(callID: 0, code: invalidArgument)],
            counted: ["malformedMessages": 1]
        ),
        HostileCase(
            name: "a request header with no payload frame after it",
            messages: { [[[], Wire.signature, Wire.requestHeader(callID: 5)]] },
            answers: [.response(callID: 0, code: invalidArgument)],
            counted: ["malformedMessages": 1],
            messageContains: "no payload frame after it"
        ),
        HostileCase(
            name: "a good call, then a bad header in the same message",
            messages: { [Wire.read(callID: 5) + [[0xFF, 0xFF]]] },
            answers: [.response(callID: 5, code: 0), .response(callID: 0, code: invalidArgument)],
            counted: ["malformedMessages": 1]
        ),
        HostileCase(
            name: "a method name that is not UTF-8",
            messages: {
                [
                    [
                        [], Wire.signature, Wire.requestHeader(callID: 5, method: [0x52, 0xC3, 0x28, 0x64]),
                        Wire.faultRequest("x"),
                    ]
                ]
            },
            answers: [.response(callID: 0, code: invalidArgument)],
            counted: ["malformedMessages": 1]
        ),
        HostileCase(
            name: "a metadata key and value that are not UTF-8",
            messages: {
                let header = Wire.requestHeader(callID: 5, metadata: [(key: [0xFF, 0x61], value: [0xED, 0xA0, 0x80])])
                return [[[], Wire.signature, header, Wire.faultRequest("x")]]
            },
            answers: [.response(callID: 0, code: invalidArgument)],
            counted: ["malformedMessages": 1]
        ),
        HostileCase(
            name: "a method name with an embedded NUL (Read\\0x)",
            messages: {
                [
                    [
                        [], Wire.signature, Wire.requestHeader(callID: 5, method: Array("Read\0x".utf8)),
                        Wire.faultRequest("x"),
                    ]
                ]
            },
            answers: [.response(callID: 0, code: invalidArgument)],
            counted: ["malformedMessages": 1]
        ),
        HostileCase(
            name: "30,000 empty metadata entries in a 60 KB header (a huge repeated field)",
            messages: {
                let entries = Array(repeating: (key: [UInt8](), value: [UInt8]()), count: 30_000)
                return [[[], Wire.signature, Wire.requestHeader(callID: 5, metadata: entries), Wire.faultRequest("x")]]
            },
            answers: [.response(callID: 0, code: invalidArgument)],
            counted: ["malformedMessages": 1]
        ),
    ]

    static let payloads: [HostileCase] = [
        HostileCase(
            name: "a payload that is not protobuf",
            messages: { [[[], Wire.signature, Wire.requestHeader(callID: 7), [0xFF, 0xFF, 0xFF, 0xFF, 0xFF]]] },
            answers: [.response(callID: 7, code: invalidArgument)],
            counted: [:],
            messageContains: "did not decode"
        ),
        HostileCase(
            name: "a payload whose declared length lies (127 bytes declared, 1 sent)",
            messages: { [[[], Wire.signature, Wire.requestHeader(callID: 7), [0x0A, 0x7F, 0x61]]] },
            answers: [.response(callID: 7, code: invalidArgument)],
            counted: [:]
        ),
        HostileCase(
            name: "a payload nesting an unknown field 100,000 levels deep",
            messages: {
                // Field 9, length-delimited, around the rest: built back to front, then reversed once.
                var reversed: [UInt8] = []
                for _ in 0..<100_000 {
                    reversed += ProtoBytes.varint(UInt64(reversed.count)).reversed() + [0x4A]
                }
                return [[[], Wire.signature, Wire.requestHeader(callID: 7), reversed.reversed()]]
            },
            answers: [.response(callID: 7, code: 0)],
            counted: [:]
        ),
        repeatedFields,
        HostileCase(
            name: "an oversized payload (4 MiB + 1 byte)",
            messages: {
                [[[], Wire.signature, Wire.requestHeader(callID: 7), Array(repeating: 0x61, count: (4 << 20) + 1)]]
            },
            answers: [.response(callID: 7, code: RPCError.Code.resourceExhausted.rawValue)],
            counted: ["rejectedCalls": 1],
            memoryBound: 64 << 20
        ),
    ]

    static let calls: [HostileCase] = [
        HostileCase(
            name: "a duplicate call id in one message",
            messages: { [Wire.read(callID: 11) + Array(Wire.read(callID: 11).dropFirst(2))] },
            answers: [.response(callID: 11, code: 0)],
            counted: ["duplicateCallIDs": 1]
        ),
        HostileCase(
            name: "a CANCEL for a call that does not exist",
            messages: { [[[], Wire.signature, Wire.control(field: 3, callID: 999)]] },
            answers: [],
            counted: [:]
        ),
        HostileCase(
            name: "a response sent to the server",
            messages: { [[[], Wire.signature, ProtoBytes().message(2, ProtoBytes().varint(1, 5)).bytes, []]] },
            answers: [],
            counted: ["malformedMessages": 1]
        ),
        HostileCase(
            name: "a stream message for a call that does not exist",
            messages: { [[[], Wire.signature, Wire.control(field: 6, callID: 999), Wire.faultRequest("x")]] },
            answers: [],
            counted: ["lateStreamMessages": 1]
        ),
        HostileCase(
            name: "a ping",
            messages: { [[[], Wire.signature, ProtoBytes().message(4, ProtoBytes().varint(1, 77)).bytes]] },
            answers: [.pong(nonce: 77)],
            counted: [:]
        ),
        HostileCase(
            name: "an unknown service",
            messages: {
                [
                    [
                        [], Wire.signature, Wire.requestHeader(callID: 7, service: Array("no.Such".utf8)),
                        Wire.faultRequest("x"),
                    ]
                ]
            },
            answers: [.response(callID: 7, code: unimplemented)],
            counted: ["unimplementedCalls": 1]
        ),
        HostileCase(
            name: "an unknown method",
            messages: {
                [
                    [
                        [], Wire.signature, Wire.requestHeader(callID: 7, method: Array("Nope".utf8)),
                        Wire.faultRequest("x"),
                    ]
                ]
            },
            answers: [.response(callID: 7, code: unimplemented)],
            counted: ["unimplementedCalls": 1]
        ),
        HostileCase(
            name: "a 10 KiB method name",
            messages: {
                [
                    [
                        [], Wire.signature,
                        Wire.requestHeader(callID: 7, method: Array(repeating: 0x6D, count: 10 << 10)),
                        Wire.faultRequest("x"),
                    ]
                ]
            },
            answers: [.response(callID: 7, code: unimplemented)],
            counted: ["unimplementedCalls": 1]
        ),
        HostileCase(
            name: "a stream opened on a unary method",
            messages: {
                [[[], Wire.signature, Wire.requestHeader(callID: 7, streamWindow: 16), []]]
            },
            answers: [.response(callID: 7, code: invalidArgument)],
            counted: ["malformedMessages": 1]
        ),
        HostileCase(
            name: "call id 0",
            messages: { [Wire.read(callID: 0)] },
            answers: [.response(callID: 0, code: 0)],
            counted: [:]
        ),
    ]
}
