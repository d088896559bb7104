// echo-server: answers EchoRequest with EchoReply over a ZeroMQ ROUTER socket.
//
//   swift run echo-server [ENDPOINT]        (or ECHO_ENDPOINT; default tcp://127.0.0.1:5555)
//
// Binding `tcp://127.0.0.1:*` picks a free port; the first line printed names the endpoint.
import EchoMessages
import Foundation
import ZRPC
import ZeroMQ

let endpoint = CommandLine.arguments.dropFirst().first
    ?? ProcessInfo.processInfo.environment["ECHO_ENDPOINT"]
    ?? "tcp://127.0.0.1:5555"
let serverName = "echo-server pid \(ProcessInfo.processInfo.processIdentifier)"

let context = try Context()
let socket = try Socket(context, type: .router)
try socket.set(.routerMandatory, true)
try socket.set(.maxMessageSize, 1 << 20)
try socket.bind(endpoint)
say("\(serverName) listening on \(try socket.lastEndpoint)")

while true {
    let frames: [Frame]
    do {
        guard let received = try socket.receive(maxFrames: 8) else { continue }
        frames = received
    } catch {
        say("dropped a message: \(error)")
        continue
    }
    // [client routing id][empty delimiter][EchoRequest]
    guard frames.count == 3, frames[1].isEmpty else {
        say("dropped a message with \(frames.count) frames (expected 3)")
        continue
    }
    do {
        let request = try Echo_EchoRequest(frame: frames[2])
        let labels = request.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        say("request #\(request.sequence): \(request.text) [\(labels)]")
        let reply = Echo_EchoReply(text: request.text, sequence: request.sequence, servedBy: serverName)
        _ = try socket.send([frames[0], Frame(), try reply.packedFrame()])
    } catch {
        say("bad request: \(error)")
    }
    }

/// Prints a line at once (stdout is a pipe when a script runs us, and pipes are block-buffered).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
