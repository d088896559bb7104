// echo-client: sends typed EchoRequests to echo-server and prints the EchoReplies.
//
//   swift run echo-client [ENDPOINT] [COUNT]   (or ECHO_ENDPOINT, ECHO_COUNT; defaults
//                                              tcp://127.0.0.1:5555 and 5)
import EchoMessages
import Foundation
import ZRPC
import ZeroMQ

let arguments = Array(CommandLine.arguments.dropFirst())
let environment = ProcessInfo.processInfo.environment
let endpoint = arguments.first ?? environment["ECHO_ENDPOINT"] ?? "tcp://127.0.0.1:5555"
let count = Int(arguments.dropFirst().first ?? environment["ECHO_COUNT"] ?? "5") ?? 5
let clientName = "echo-client pid \(ProcessInfo.processInfo.processIdentifier)"

let context = try Context()
let socket = try Socket(context, type: .dealer)
try socket.set(.receiveTimeout, .seconds(5))
try socket.set(.sendTimeout, .seconds(5))
try socket.connect(endpoint)

for sequence in 1...max(count, 1) {
    let request = Echo_EchoRequest(text: "hello \(sequence) from \(clientName)", sequence: Int64(sequence), labels: ["lang": "swift"])
    // [empty delimiter][EchoRequest]; the ROUTER adds our routing id on its side.
    guard try socket.send([Frame(), try request.packedFrame()]) else {
        say("could not send to \(endpoint) within 5 s")
        exit(1)
    }
    guard let frames = try socket.receive(maxFrames: 8), frames.count == 2 else {
        say("no reply from \(endpoint) within 5 s")
        exit(1)
    }
    let reply = try Echo_EchoReply(frame: frames[1])
    say("reply #\(reply.sequence) from \(reply.servedBy): \(reply.text)")
}

/// Prints a line at once (stdout is a pipe when a script runs us, and pipes are block-buffered).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
