#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// The calling OS thread, for the runtime's I/O loops (which import no C module themselves).
package enum CurrentThread {
    /// An id unique among the threads alive now (`pthread_self()`); another thread may get it
    /// once this one has ended.
    package static var id: UInt {
        #if canImport(Glibc)
            UInt(pthread_self())
        #else
            UInt(bitPattern: pthread_self())
        #endif
    }

    /// Names the calling thread for debuggers, `top -H` and `/proc` (Linux keeps 15 bytes), by
    /// writing its `comm` (Foundation's `Thread.name` does not reliably reach the OS thread here).
    ///
    /// - Parameter name: The name; longer names are cut.
    package static func setName(_ name: String) {
        #if canImport(Glibc)
            let descriptor = open("/proc/thread-self/comm", O_WRONLY)
            guard descriptor >= 0 else { return }
            defer { close(descriptor) }
            let bytes = Array(name.utf8.prefix(15))
            _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        #endif
    }
}
