import Foundation

/// What the kernel says of a process's memory (`/proc/PID/status`).
///
/// ```swift
/// if let bytes = ProcessResources.residentBytes(of: pid) { print(bytes >> 20, "MiB") }
/// ```
public enum ProcessResources {
    /// The process's resident set size (`VmRSS`) in bytes, or nil when it is gone or has none.
    ///
    /// - Parameter pid: The process id.
    public static func residentBytes(of pid: Int32) -> UInt64? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        let digits = line.dropFirst("VmRSS:".count).filter(\.isNumber)
        return UInt64(digits).map { $0 * 1024 }
    }
}
