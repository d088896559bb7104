internal import CZeroMQ

/// The memory the C allocator keeps after it was freed.
///
/// glibc's `malloc` keeps freed memory for reuse instead of handing it back to the system, so a
/// process that held a burst of messages (libzmq's queues, decoded requests) stays that large
/// after it freed them. ``release()`` hands it back (`malloc_trim(0)`, every arena). It walks the
/// free lists, so call it once after a burst, never per message.
///
/// ```swift
/// if burstEnded { FreedMemory.release() }
/// ```
public enum FreedMemory {
    /// Hands the freed memory the allocator holds back to the system (Linux; elsewhere nothing).
    ///
    /// - Returns: Whether any memory was handed back.
    @discardableResult
    public static func release() -> Bool {
        #if os(Linux)
            malloc_trim(0) == 1
        #else
            false
        #endif
    }
}
