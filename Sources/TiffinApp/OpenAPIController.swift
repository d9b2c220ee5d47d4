import Dispatching
import Foundation
import Hummingbird
import Live
import Notifications
import TiffinHTTP

/// `GET /openapi.json`: the OpenAPI 3.1 document of every route, built once from the operations.
struct OpenAPIController: Sendable {
    /// The document, or why it could not be built (then the route answers 500, logged).
    let document: Result<Data, any Error>

    init(operations: [APIOperation] = allOperations) {
        document = Result { try OpenAPIDocument(operations: operations).data() }
    }

    static let operations: [APIOperation] = [
        APIOperation(.get, "/openapi.json", summary: "This API document (OpenAPI 3.1)", tag: "System", limit: .unlimited),
        APIOperation(.get, "/asyncapi.json", summary: "The live connection's messages (AsyncAPI 3.0)", tag: "System", limit: .unlimited),
    ]

    /// The live connection's document, with the offer and activity item schemas of their owners.
    let asyncAPI: Result<Data, any Error> = Result {
        try AsyncAPIDocument(offerSchema: try JSONSchema.of(DispatchOffer.self), noticeSchema: try JSONSchema.of(ActivityItem.self)).data()
    }

    /// This controller's routes, mounted by the assembly (`router.addRoutes(…)`).
    var routes: RouteCollection<TiffinRequestContext> {
        let router = RouteCollection(context: TiffinRequestContext.self)
        router.get("openapi.json") { _, _ in try Self.json(document.get()) }
        router.get("asyncapi.json") { _, _ in try Self.json(asyncAPI.get()) }
        return router
    }

    static func json(_ data: Data) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
