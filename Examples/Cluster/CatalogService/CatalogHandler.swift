public import CatalogMessages
public import ZRPC

/// Serves `cluster.Catalog` over ZRPC: a thin layer that turns requests into calls on
/// ``ProductCatalog`` and its refusals into RPC status codes (NOT_FOUND for an unknown sku,
/// INVALID_ARGUMENT for a negative price). It logs nothing of what it is sent.
///
/// ```swift
/// let handler = CatalogHandler(catalog: ProductCatalog(repository: InMemoryProductRepository(products: [mug])))
/// try await Client.withClient(calling: InProcessServer(services: [handler])) { client in
///     let product = try await Cluster_Catalog.Client(wrapping: client).getProduct(.init(sku: "SKU-1001"))
/// }
/// ```
public struct CatalogHandler: Cluster_Catalog.ServiceProtocol {
    private let catalog: ProductCatalog

    /// Creates the handler.
    ///
    /// - Parameter catalog: The business logic it serves.
    public init(catalog: ProductCatalog) {
        self.catalog = catalog
    }

    /// One product; NOT_FOUND for an unknown sku.
    public func getProduct(
        _ request: Cluster_GetProductRequest,
        context: ServerContext
    ) async throws
        -> Cluster_Product
    {
        try await mappingErrors { Cluster_Product(try await catalog.product(sku: request.sku)) }
    }

    /// Every product, ordered by sku.
    public func listProducts(
        _ request: Cluster_ListProductsRequest,
        context: ServerContext
    ) async throws
        -> Cluster_ListProductsReply
    {
        try await mappingErrors {
            Cluster_ListProductsReply(products: try await catalog.allProducts().map(Cluster_Product.init))
        }
    }

    /// Sets a price and bumps the version; NOT_FOUND for an unknown sku, INVALID_ARGUMENT for a negative price.
    public func setPrice(_ request: Cluster_SetPriceRequest, context: ServerContext) async throws -> Cluster_Product {
        try await mappingErrors {
            Cluster_Product(try await catalog.setPrice(sku: request.sku, priceCents: request.priceCents))
        }
    }

    /// Runs `body`, turning a ``CatalogError`` into the matching ``RPCError``; other errors pass
    /// through (the server answers them as INTERNAL without their details).
    private func mappingErrors<Output>(_ body: () async throws -> Output) async throws -> Output {
        do {
            return try await body()
        } catch let error as CatalogError {
            switch error.code {
            case .productNotFound: throw RPCError(code: .notFound, message: error.message)
            case .invalidArgument: throw RPCError(code: .invalidArgument, message: error.message)
            default: throw RPCError(code: .internal, message: "unexpected catalog error")
            }
        }
    }
}

extension Cluster_Product {
    /// The wire's copy of a domain product.
    init(_ product: CatalogProduct) {
        self.init(sku: product.sku, name: product.name, priceCents: product.priceCents, version: product.version)
    }
}
