// zrpc-test-flood: a hostile client in a process of its own, for the tests of over-long messages.
//
//   zrpc-test-flood ENDPOINT FRAMES
//
// Connects a DEALER to ENDPOINT (a zrpc-fault-service), sends one message of FRAMES empty frames,
// then a valid zrpc.testkit.Faulty/GetStats call (call id 7) on the same connection, and waits up to
// 30 s for its answer: a server reads one connection in order, so that answer means the long message
// has been dropped. Prints "flood: FRAMES frames sent, the next call answered after MS ms" and exits
// 0, or exits 1. In a process of its own so that the million messages libzmq queues on the sending
// side do not count against the test process's memory.
import Foundation
import ZRPC
import ZRPCProcessKit
import ZRPCTestKit
import ZeroMQ

ExitWithParent.startIfRequested()

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 2, let endpoint = arguments.first, let frames = Int(arguments.last ?? "") else {
    FileHandle.standardError.write(Data("usage: zrpc-test-flood ENDPOINT FRAMES\n".utf8))
    exit(2)
}

let context = try Context()
let socket = try Socket(context, type: .dealer)
try socket.set(.receiveTimeout, .seconds(30))
try socket.set(.sendTimeout, .seconds(30))
try socket.connect(endpoint)

for _ in 0..<frames {
    guard try socket.send(Frame(), more: true) else { exit(1) }
}
guard try socket.send(Frame()) else { exit(1) }
let sent = ContinuousClock.now

let header = Zrpc_Wire_Header(
    kind: .request(
        .init(
            callID: 7,
            service: Zrpc_Testkit_Faulty.descriptor.fullName,
            method: "GetStats",
            timeoutMicros: 30_000_000,
            attempt: 1
        )
    )
)
guard
    try socket.send([
        Frame(), try Frame("ZRPC01"), try header.packedFrame(), try Zrpc_Testkit_StatsRequest().packedFrame(),
    ])
else { exit(1) }
// The answer may follow an INVALID_ARGUMENT without a call id; read until call 7's.
for _ in 0..<3 {
    guard let reply = try socket.receive(), reply.count >= 3 else { break }
    let answer = try Zrpc_Wire_Header(frame: reply[2])
    if case .response(let response)? = answer.kind, response.callID == 7 {
        let waited = sent.duration(to: .now)
        let milliseconds = Double(waited.components.seconds) * 1_000 + Double(waited.components.attoseconds) / 1e15
        print("flood: \(frames) frames sent, the next call answered after \(Int(milliseconds)) ms")
        exit(response.statusCode == 0 ? 0 : 1)
    }
}
exit(1)
