import HTTPTypes
public import Hummingbird
public import Logging

/// The request a piece of work is done for, carried in a task-local so that every log line the
/// request causes — in the services too, which know nothing of HTTP — names it.
public enum RequestScope {
    @TaskLocal public static var requestID: String?
    /// The client's address (through trusted proxies).
    @TaskLocal public static var clientAddress: String?

    /// Adds `request.id` and `client.address` to every log line written while a request is being
    /// handled. Attach it to the logger the services are given (`Logger(label:metadataProvider:)`).
    public static let metadataProvider = Logger.MetadataProvider {
        var metadata: Logger.Metadata = [:]
        if let id = RequestScope.requestID { metadata["request.id"] = .string(id) }
        if let address = RequestScope.clientAddress { metadata["client.address"] = .string(address) }
        return metadata
    }
}

/// Runs the rest of the chain inside the request's `RequestScope`, and answers with its id in
/// `X-Request-Id`, so a client can quote it.
public struct RequestScopeMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = context.id
        var response: Response
        do {
            response = try await RequestScope.$requestID.withValue(id) { try await next(request, context) }
        } catch let error as any HTTPResponseError {
            // Errors are answered here rather than further out, so their answers carry the id too.
            response = try error.response(from: request, context: context)
        }
        response.headers[HTTPField.Name("X-Request-Id")!] = id
        return response
    }
}
