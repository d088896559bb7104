public import ProtobufC

/// One change to a ``CacheInterceptor``'s answers: the answer of a read method to one request is
/// dropped or replaced, with the written value's version when it has one. Made by a write in this
/// process (``WriteThrough``, ``CacheInterceptor/update(_:request:response:version:)``) or carried
/// from another process (a `CacheInvalidator` in ZRPCPubSub).
///
/// ```swift
/// let change = try CacheChange.update(Catalog.Method.GetProduct.descriptor, request: GetProduct(id: 7),
///                                     response: product, version: product.version)
/// ```
public struct CacheChange: Hashable, Sendable {
    /// The read method's full name (`package.Service/Method`).
    public var method: String
    /// The read request, encoded (the cache key).
    public var request: [UInt8]
    /// The new answer, encoded; nil drops the answer instead.
    public var response: [UInt8]?
    /// The written value's version (greater is newer), or nil when unversioned.
    public var version: UInt64?

    /// Creates a change from encoded parts.
    ///
    /// ```swift
    /// let change = CacheChange(method: "shop.Catalog/GetProduct", request: bytes, response: nil, version: 3)
    /// ```
    ///
    /// - Parameters:
    ///   - method: The read method's full name.
    ///   - request: The read request, encoded.
    ///   - response: The new answer, or nil to drop it.
    ///   - version: The version, or nil.
    public init(method: String, request: [UInt8], response: [UInt8]?, version: UInt64?) {
        self.method = method
        self.request = request
        self.response = response
        self.version = version
    }

    /// Replaces the answer to `request` with `response`.
    ///
    /// ```swift
    /// let change = try CacheChange.update(GetProduct.descriptor, request: GetProduct(id: 7), response: product)
    /// ```
    ///
    /// - Parameters:
    ///   - method: The read method.
    ///   - request: The read request.
    ///   - response: Its new answer.
    ///   - version: The written value's version, if any.
    /// - Returns: The change.
    /// - Throws: What encoding throws.
    public static func update(
        _ method: MethodDescriptor,
        request: some ProtobufMessage,
        response: some ProtobufMessage,
        version: UInt64? = nil
    ) throws -> CacheChange {
        CacheChange(
            method: method.fullName,
            request: try request.serializedBytes(),
            response: try response.serializedBytes(),
            version: version
        )
    }

    /// Drops the answer to `request`.
    ///
    /// ```swift
    /// let change = try CacheChange.invalidate(GetProduct.descriptor, request: GetProduct(id: 7), version: 4)
    /// ```
    ///
    /// - Parameters:
    ///   - method: The read method.
    ///   - request: The read request.
    ///   - version: The written value's version, if any.
    /// - Returns: The change.
    /// - Throws: What encoding throws.
    public static func invalidate(
        _ method: MethodDescriptor,
        request: some ProtobufMessage,
        version: UInt64? = nil
    ) throws -> CacheChange {
        CacheChange(method: method.fullName, request: try request.serializedBytes(), response: nil, version: version)
    }
}

/// A write method whose successful answers change a ``CacheInterceptor``'s cached answers: after the
/// call succeeds, `changes` turns its request and response into ``CacheChange``s, which the cache
/// applies and its `CacheInvalidator` (if any) publishes. If `changes` throws, the cache is flushed
/// (the write happened; its effect on the cache is unknown).
///
/// ```swift
/// let rule = WriteThrough(Catalog.Method.SetPrice.descriptor) { (request: SetPrice, product: Product) in
///     [try .update(Catalog.Method.GetProduct.descriptor, request: GetProduct(id: request.id),
///                  response: product, version: product.version)]
/// }
/// let cache = try CacheInterceptor(methods: [Catalog.Method.GetProduct.descriptor], writeThrough: [rule])
/// ```
public struct WriteThrough: Sendable {
    /// The write method's full name.
    public let method: String
    let changes: @Sendable (ClientRequest, ClientResponse) throws -> [CacheChange]

    /// A rule over the write's typed request and response.
    ///
    /// ```swift
    /// WriteThrough(Users.Method.Rename.descriptor) { (request: Rename, user: User) in
    ///     [try .update(Users.Method.Get.descriptor, request: GetUser(id: user.id), response: user)]
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - method: The write method.
    ///   - changes: The changes its answer makes (decoding errors flush the cache).
    public init<Request: ProtobufMessage, Response: ProtobufMessage>(
        _ method: MethodDescriptor,
        changes: @escaping @Sendable (Request, Response) throws -> [CacheChange]
    ) {
        self.method = method.fullName
        self.changes = { request, response in
            try changes(try request.payload.decode(as: Request.self), try response.payload.decode(as: Response.self))
        }
    }
}
