// echo-client: calls echo.Echo/Say through the generated stub and prints the replies.
//
//   swift run echo-client [ENDPOINTS] [COUNT]   (or ECHO_ENDPOINTS, comma-separated, and ECHO_COUNT;
//                                              defaults tcp://127.0.0.1:5555 and 5)
//
// With several endpoints the calls spread across the servers.
import EchoMessages
import Foundation
import ZRPC

let arguments = Array(CommandLine.arguments.dropFirst())
let environment = ProcessInfo.processInfo.environment
let endpoints = (arguments.first ?? environment["ECHO_ENDPOINTS"] ?? "tcp://127.0.0.1:5555")
    .split(separator: ",").map(String.init)
let count = Int(arguments.dropFirst().first ?? environment["ECHO_COUNT"] ?? "5") ?? 5
let clientName = "echo-client pid \(ProcessInfo.processInfo.processIdentifier)"

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

do {
    try await Client.withClient(configuration: .init(endpoints: endpoints, defaultTimeout: .seconds(5))) { client in
        let status = try await HealthClient(wrapping: client).check(service: Echo_Echo.descriptor.fullName)
        say("health of \(Echo_Echo.descriptor.fullName): \(status)")

        let echo = Echo_Echo.Client(wrapping: client)
        for sequence in 1...max(count, 1) {
            let request = Echo_EchoRequest(text: "hello \(sequence) from \(clientName)", sequence: Int64(sequence))
            let reply = try await echo.say(request, options: .init(timeout: .seconds(2)))
            say("reply #\(reply.sequence) from \(reply.servedBy): \(reply.text)")
        }

        let streamed = try await Echo_EchoStream.Client(wrapping: client).echoes(.init(text: "stream", sequence: 3)) {
            replies in
            var lines: [String] = []
            for try await reply in replies { lines.append("#\(reply.sequence) from \(reply.servedBy)") }
            return lines
        }
        say("streamed \(streamed.count) replies: \(streamed.joined(separator: ", "))")

        do {
            _ = try await echo.say(Echo_EchoRequest(text: ""))
        } catch let error as RPCError {
            say("an empty text is refused: \(error)")
        }
    }
} catch {
    say("echo-client failed: \(error)")
    exit(1)
}
