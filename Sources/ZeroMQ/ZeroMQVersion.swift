internal import CZeroMQ

/// A libzmq version, and the version and capabilities of the libzmq loaded at run time.
///
/// ```swift
/// print(ZeroMQVersion.current)                 // 4.3.4
/// precondition(ZeroMQVersion.has("curve"))
/// ```
public struct ZeroMQVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The major version.
    public var major: Int
    /// The minor version.
    public var minor: Int
    /// The patch version.
    public var patch: Int

    /// Creates a version.
    ///
    /// - Parameters:
    ///   - major: The major version.
    ///   - minor: The minor version.
    ///   - patch: The patch version.
    public init(major: Int, minor: Int, patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// The version of the libzmq library loaded at run time (`zmq_version`).
    public static var current: ZeroMQVersion {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return ZeroMQVersion(major: Int(major), minor: Int(minor), patch: Int(patch))
    }

    /// Whether the loaded libzmq supports a capability (`zmq_has`): `"ipc"`, `"curve"`, `"gssapi"`, ...
    ///
    /// - Parameters:
    ///   - capability: The capability name.
    /// - Returns: `true` if supported.
    public static func has(_ capability: String) -> Bool {
        zmq_has(capability) != 0
    }

    /// Orders versions by major, then minor, then patch.
    public static func < (lhs: ZeroMQVersion, rhs: ZeroMQVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }

    /// `major.minor.patch`.
    public var description: String {
        "\(major).\(minor).\(patch)"
    }
}
