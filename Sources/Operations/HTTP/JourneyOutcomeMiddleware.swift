public import Hummingbird
public import TiffinHTTP

/// Counts each answer of a route tagged with a journey (`APIOperation.journey`): good, bad with
/// its cause, or left out. Runs outside admission control, so a shed request (503
/// `overloaded`) counts against the journey like any other failure the customer sees.
public struct JourneyOutcomeMiddleware: RouterMiddleware {
    public typealias Context = TiffinRequestContext
    let recorder: JourneyRecorder

    public init(recorder: JourneyRecorder) {
        self.recorder = recorder
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let tag = context.operation?.journey, let journey = JourneyID(rawValue: tag.rawValue) else {
            return try await next(request, context)
        }
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            // The one 5xx answered rather than thrown is admission control's refusal.
            let type = response.status.code == 503 ? "overloaded" : nil
            recorder.record(journey, RequestOutcomes.classify(journey, status: response.status.code, problemType: type, elapsed: ContinuousClock.now - started))
            return response
        } catch let problem as Problem {
            recorder.record(journey, RequestOutcomes.classify(journey, status: problem.status.code, problemType: problem.type, elapsed: ContinuousClock.now - started))
            throw problem
        } catch let error as any HTTPResponseError {
            recorder.record(journey, RequestOutcomes.classify(journey, status: error.status.code, problemType: nil, elapsed: ContinuousClock.now - started))
            throw error
        } catch {
            recorder.record(journey, .bad(cause: BadCause.serverError))
            throw error
        }
    }
}

/// What an answer means for its journey.
public enum RequestOutcomes {
    /// How fast an answer must be to be good.
    public static func threshold(_ journey: JourneyID) -> Duration {
        switch journey {
        case .browse: .milliseconds(200)
        default: .seconds(1)
        }
    }

    /// A refusal that is the business working, not failing: a declined card (402), sold out,
    /// closed, an order already being paid (409).
    static func isBusinessRefusal(_ journey: JourneyID, status: Int) -> Bool {
        journey == .checkout && (status == 402 || status == 409)
    }

    public static func classify(_ journey: JourneyID, status: Int, problemType: String?, elapsed: Duration) -> JourneyOutcome {
        switch status {
        case 500...:
            switch problemType {
            case "overloaded": return .bad(cause: BadCause.overloaded)
            case "database-unavailable": return .bad(cause: BadCause.databaseUnavailable)
            case "payment-unavailable": return .bad(cause: BadCause.paymentUnavailable)
            default: return .bad(cause: BadCause.serverError)
            }
        case 400..<500 where !isBusinessRefusal(journey, status: status):
            // The client's own error (invalid fields, a bad token, its rate limit): not counted.
            return .excluded
        default:
            return elapsed <= threshold(journey) ? .good : .bad(cause: BadCause.slow)
        }
    }
}
