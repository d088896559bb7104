import Foundation

extension ChildProcess {
    /// The child's resident memory now (`VmRSS` in `/proc/PID/status`), in bytes; nil once it has
    /// exited or where `/proc` is not there.
    ///
    /// ```swift
    /// let server = try await ChildProcess.start("zrpc-fault-service")
    /// let before = server.residentBytes ?? 0
    /// // … a burst of hostile input …
    /// #expect((server.peakResidentBytes ?? .max) - before < 64 << 20)
    /// ```
    public var residentBytes: Int? { statusField("VmRSS") }

    /// The most resident memory the child has had since it started (`VmHWM`), in bytes.
    ///
    /// ```swift
    /// print("peak \(server.peakResidentBytes ?? 0) bytes")
    /// ```
    public var peakResidentBytes: Int? { statusField("VmHWM") }

    /// The file descriptors the child has open now (the entries of `/proc/PID/fd`).
    ///
    /// ```swift
    /// let sockets = server.openDescriptors       // back near where it started after peers leave
    /// ```
    public var openDescriptors: Int? {
        try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/fd").count
    }

    /// A `kB` line of `/proc/PID/status`, in bytes.
    private func statusField(_ name: String) -> Int? {
        guard process.isRunning,
            let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            // "VmRSS:\t   10240 kB"
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }
}
