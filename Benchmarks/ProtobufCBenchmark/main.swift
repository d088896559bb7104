// protobufc-benchmark: the cost of packing and unpacking a message through ZRPC's generated
// Swift types, beside calling protobuf-c directly from C on the same message in the same run.
//
//   swift run -c release protobufc-benchmark [ITERATIONS]
//
// Both sides pack into a reused buffer and unpack from it. The Swift side also converts the
// Swift struct to protoc-c's C struct (strings copied into an arena) and the unpacked C struct
// back to Swift values (strings validated as UTF-8): that conversion is what ZRPC adds.
import EchoMessages
import Foundation
import ProtobufC
import ProtobufCBaseline

let iterations = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 200_000
let rounds = 5

struct Shape {
    let name: String
    let text: String
    let labelCount: Int

    var request: Echo_EchoRequest {
        var labels: ProtobufMap<String, String> = [:]
        for index in 0..<labelCount { labels["key\(index)"] = "value\(index)" }
        return Echo_EchoRequest(text: text, sequence: 42, labels: labels)
    }
}

let shapes = [
    Shape(name: "small: text + int64", text: "hello, world", labelCount: 0),
    Shape(name: "with 4 map entries", text: "hello, world", labelCount: 4),
    Shape(name: "1 KiB text", text: String(repeating: "x", count: 1024), labelCount: 0),
]

func nanosecondsPerOperation(_ body: () throws -> Int64) rethrows -> Double {
    var samples: [Double] = []
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        let checksum = try body()
        let elapsed = ContinuousClock.now - start
        precondition(checksum >= 0, "a decode failed during the benchmark")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        samples.append(seconds * 1e9 / Double(iterations))
    }
    return samples.sorted()[rounds / 2]
}

func swiftPackUnpack(_ request: Echo_EchoRequest) throws -> Int64 {
    var buffer = [UInt8](repeating: 0, count: 4096)
    var checksum: Int64 = 0
    try buffer.withUnsafeMutableBytes { buffer in
        for _ in 0..<iterations {
            let size = try request.serialize(into: buffer)
            let back = try Echo_EchoRequest(serializedBytes: UnsafeRawBufferPointer(rebasing: buffer[..<size]))
            checksum &+= back.sequence + Int64(back.text.utf8.count) + Int64(back.labels.count)
        }
    }
    return checksum
}

print("pack + unpack of echo.EchoRequest, \(iterations) iterations, median of \(rounds) rounds")
print("")
print("| message | bytes | C protobuf-c (ns/op) | ZRPC Swift (ns/op) | ratio Swift/C |")
print("|---|---:|---:|---:|---:|")
for shape in shapes {
    let request = shape.request
    let size = try request.serializedBytes().count
    let c = nanosecondsPerOperation {
        shape.text.withCString { zrpc_baseline_pack_unpack($0, 42, shape.labelCount, iterations) }
    }
    let swift = try nanosecondsPerOperation { try swiftPackUnpack(request) }
    print(
        "| \(shape.name) | \(size) | \(String(format: "%.0f", c)) | \(String(format: "%.0f", swift)) | \(String(format: "%.2f", swift / c))× |"
    )
}
