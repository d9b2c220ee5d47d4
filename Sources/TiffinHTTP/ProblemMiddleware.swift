import Core
import Foundation
public import Hummingbird
import NIOCore
import NIOHTTP1
import Logging

/// Turns every error that leaves a handler into a problem+json response: domain errors by their
/// description, decoding errors naming the field, Hummingbird's own errors (unknown route, body
/// too large) keeping their status. Anything else is a 500 logged once with the request id,
/// whose body says nothing about internals.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw Self.problem(for: error, context: context)
        }
    }

    public static func problem(for error: any Error, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let domain as any DomainError:
            return Problem(domain.problem)
        case let decoding as DecodingError:
            return Self.problem(for: decoding)
        case is NIOTooManyBytesError:
            return Problem(
                status: .contentTooLarge, type: "body-too-large", title: "Request body too large", detail: "the request body exceeds the allowed size"
            )
        case let parser as HTTPParserError:
            // The request itself is broken (e.g. a chunked body with a bad chunk size): the
            // client's fault, not the server's.
            return Problem(
                status: .badRequest, type: "malformed-request", title: "Malformed request", detail: "the HTTP request is malformed: \(parser)")
        case let http as HTTPError:
            return Problem(
                status: http.status, type: slug(http.status), title: http.status.reasonPhrase,
                detail: http.body ?? Self.defaultDetail(http.status))
        case let other as any HTTPResponseError:
            return Problem(status: other.status, type: slug(other.status), title: other.status.reasonPhrase, detail: other.status.reasonPhrase)
        default:
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return Problem(
                status: .internalServerError, type: "internal", title: "Internal error",
                detail: "an unexpected error occurred; it has been logged with request id \(context.id)")
        }
    }

    static func defaultDetail(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "no route matches this path"
        case .methodNotAllowed: "this method is not allowed on this path"
        default: status.reasonPhrase
        }
    }

    static func slug(_ status: HTTPResponse.Status) -> String {
        status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "-")
    }

    static func problem(for error: DecodingError) -> Problem {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            (codingPath + (last.map { [$0] } ?? [])).map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath, key)
            return Problem(
                status: .unprocessableContent, type: "invalid-field", title: "Invalid field", detail: "\(field): is required", field: field)
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            return Problem(
                status: .unprocessableContent, type: "invalid-field", title: "Invalid field",
                detail: "\(field.isEmpty ? "body" : field): expected \(describe(type))", field: field.isEmpty ? "body" : field)
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return Problem(
                status: .unprocessableContent, type: "invalid-field", title: "Invalid field",
                detail: "\(field): must not be null (expected \(describe(type)))", field: field)
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty {
                return Problem(
                    status: .badRequest, type: "malformed-json", title: "Malformed JSON", detail: "the request body is not valid JSON", field: "body")
            }
            return Problem(
                status: .unprocessableContent, type: "invalid-field", title: "Invalid field",
                detail: "\(field): \(context.debugDescription)", field: field)
        @unknown default:
            return Problem.badRequest("the request body could not be decoded", field: "body")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "a boolean"
        default:
            "\(type)".hasPrefix("Array") ? "an array" : (String(describing: type).contains("Dictionary") ? "an object" : "a value of type \(type)")
        }
    }
}
