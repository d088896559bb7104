internal import CProtobufC

/// The memory protobuf-c allocates from while unpacking one message.
///
/// Backs a `ProtobufCAllocator` whose `alloc` hands out zeroed memory (protobuf-c 1.4.1 can
/// leave `unknown_fields` uninitialised otherwise) and returns NULL once the budget is spent, so
/// unpacking fails cleanly. Frees are no-ops; everything is released when the arena goes away,
/// so a failed unpack cannot leak. Each allocation records its size in a header, which is how
/// string fields are checked for embedded NULs.
///
/// A value on the decoder's stack: protobuf-c reaches it through a pointer (``unpack(_:descriptor:into:)``),
/// so decoding a message allocates no object for it. Whoever creates one calls ``release()`` when
/// decoding is over, and never copies it.
@usableFromInline
struct DecodingArena {
    /// The caller's first buffer, if any.
    private var firstStart: UnsafeMutableRawPointer?
    private var firstEnd: UnsafeMutableRawPointer?
    /// The newest owned chunk; a chunk starts with a header holding the previous chunk and its own end.
    private var ownedChunks: UnsafeMutableRawPointer?
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0
    private var nextChunkSize: Int
    private var allocated = 0
    private let budget: Int
    private(set) var budgetExceeded = false

    private static let alignment = 16
    private static let headerSize = 16

    /// - Parameters:
    ///   - budget: The most bytes (headers included) protobuf-c may allocate.
    ///   - expectedSize: The input's size, to size the first owned chunk.
    ///   - buffer: Memory to use first (a stack buffer the caller keeps alive), or empty.
    @usableFromInline
    init(budget: Int, expectedSize: Int, buffer: UnsafeMutableRawBufferPointer) {
        self.budget = budget
        self.nextChunkSize = min(max(expectedSize * 2 + 256, 1024), max(budget, 1024))
        if let base = buffer.baseAddress, buffer.count >= Self.alignment * 4 {
            let skip = (Self.alignment - Int(bitPattern: base) & (Self.alignment - 1)) & (Self.alignment - 1)
            firstStart = base + skip
            firstEnd = base + buffer.count
            cursor = base + skip
            remaining = buffer.count - skip
        }
    }

    /// Frees the chunks the arena allocated (the caller's buffer stays the caller's).
    @usableFromInline
    mutating func release() {
        defer { ownedChunks = nil }
        var chunk = ownedChunks
        while let current = chunk {
            chunk = current.load(as: UnsafeMutableRawPointer?.self)
            current.deallocate()
        }
    }

    mutating func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer? {
        guard byteCount >= 0, byteCount <= budget else {
            budgetExceeded = true
            return nil
        }
        let size = Self.headerSize + ((byteCount + Self.alignment - 1) & ~(Self.alignment - 1))
        guard allocated + size <= budget else {
            budgetExceeded = true
            return nil
        }
        allocated += size
        if size > remaining || cursor == nil {
            let chunkSize = max(size, nextChunkSize)
            nextChunkSize = chunkSize * 2
            let chunk = UnsafeMutableRawPointer.allocate(
                byteCount: chunkSize + Self.headerSize,
                alignment: Self.alignment
            )
            chunk.storeBytes(of: ownedChunks, as: UnsafeMutableRawPointer?.self)
            chunk.storeBytes(of: chunk + Self.headerSize + chunkSize, toByteOffset: 8, as: UnsafeMutableRawPointer.self)
            ownedChunks = chunk
            cursor = chunk + Self.headerSize
            remaining = chunkSize
        }
        let header = cursor.unsafelyUnwrapped
        header.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        header.storeBytes(of: byteCount, as: Int.self)
        cursor = header + size
        remaining -= size
        return header + Self.headerSize
    }

    /// The size that was asked for when `pointer` was allocated here, or nil if it was not.
    @usableFromInline
    func allocationSize(of pointer: UnsafeRawPointer) -> Int? {
        if let firstStart, let firstEnd, pointer >= UnsafeRawPointer(firstStart), pointer < UnsafeRawPointer(firstEnd) {
            return (pointer - Self.headerSize).load(as: Int.self)
        }
        var chunk = ownedChunks
        while let current = chunk {
            let end = current.load(fromByteOffset: 8, as: UnsafeMutableRawPointer.self)
            if pointer >= UnsafeRawPointer(current + Self.headerSize), pointer < UnsafeRawPointer(end) {
                return (pointer - Self.headerSize).load(as: Int.self)
            }
            chunk = current.load(as: UnsafeMutableRawPointer?.self)
        }
        return nil
    }

    /// Unpacks `bytes` as a message of type `descriptor` into the arena `arena` points to.
    ///
    /// - Returns: The unpacked C struct, or nil when protobuf-c rejected the bytes or the budget ran out.
    @usableFromInline
    static func unpack(
        _ bytes: UnsafeRawBufferPointer,
        descriptor: MessageDescriptor,
        into arena: UnsafeMutablePointer<DecodingArena>
    ) -> UnsafeRawPointer? {
        var allocator = ProtobufCAllocator(
            alloc: { data, size in
                guard let data else { return nil }
                return data.assumingMemoryBound(to: DecodingArena.self).pointee.allocate(size)
            },
            free: { _, _ in },
            allocator_data: UnsafeMutableRawPointer(arena)
        )
        let message = protobuf_c_message_unpack(
            descriptor.pointer,
            &allocator,
            bytes.count,
            bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        )
        return message.map { UnsafeRawPointer($0) }
    }
}
