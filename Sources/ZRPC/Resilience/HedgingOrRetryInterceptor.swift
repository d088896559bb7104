/// The retry layer of a client configured with both hedging and retries: a call whose method is
/// hedged goes to the hedging interceptor, any other call to the retry interceptor (which passes
/// a streaming call through). A method is
/// hedged or retried, never both (as in gRPC, where a method has a retry policy or a hedging
/// policy): a hedged attempt that fails with a non-fatal status is followed by the next hedge,
/// not by retries of its own.
struct HedgingOrRetryInterceptor: ClientInterceptor {
    /// Takes the calls it hedges.
    let hedging: HedgingInterceptor
    /// Takes the others.
    let retry: RetryInterceptor

    func intercept(
        _ request: ClientRequest,
        next: @Sendable (ClientRequest) async throws -> ClientResponse
    ) async throws -> ClientResponse {
        let attempts = hedging.policy.attempts(for: request.method)
        if attempts > 1, !request.isStreaming {
            return try await hedging.hedge(request, maxAttempts: attempts, next: next)
        }
        return try await retry.intercept(request, next: next)
    }
}
