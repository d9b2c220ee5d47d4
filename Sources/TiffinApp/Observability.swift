public import Core
import Foundation
public import Logging
import Metrics
public import Prometheus
import Synchronization
import TiffinHTTP

/// Where metrics go: one Prometheus registry per process, behind swift-metrics, so every module
/// (and Hummingbird's own request metrics) records through the plain swift-metrics API.
public enum TiffinMetrics {
    /// The registry `/metrics` renders.
    public static let registry = PrometheusCollectorRegistry()

    private static let bootstrapped = Mutex(false)

    /// Installs the Prometheus factory as the process's metrics system, once; later calls (tests
    /// that build several applications) do nothing.
    public static func bootstrap() {
        bootstrapped.withLock { done in
            guard !done else { return }
            var factory = PrometheusMetricsFactory(registry: registry)
            factory.defaultDurationHistogramBuckets = [
                .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2_500), .seconds(5), .seconds(10),
            ]
            MetricsSystem.bootstrap(factory)
            done = true
        }
    }

    /// Records each circuit breaker's state as `tiffin_circuit_breaker_state{destination}`
    /// (0 closed, 1 half-open, 2 open); a removed destination's gauge goes with it.
    public static let breakerObserver: @Sendable (String, CircuitBreaker.State?) -> Void = { destination, state in
        let gauge = Gauge(label: "tiffin_circuit_breaker_state", dimensions: [("destination", destination)])
        if let state { gauge.record(state.gaugeValue) } else { gauge.destroy() }
    }

    /// The Prometheus text exposition of every metric.
    public static func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// Log output: plain text, or one JSON object per line (`TIFFIN_LOG_FORMAT=json`) for log
/// collectors. No mirrored package writes JSON lines for swift-log, so the handler is ours.
public enum TiffinLogging {
    private static let bootstrapped = Mutex(false)

    /// Installs the process's log handler, once. Every logger then also carries the request id of
    /// the request it logs for (`RequestScope`).
    public static func bootstrap(format: TiffinConfiguration.LogFormat, level: Logger.Level) {
        bootstrapped.withLock { done in
            guard !done else { return }
            switch format {
            case .text:
                LoggingSystem.bootstrap(
                    { label, provider in
                        var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
                        handler.logLevel = level
                        return handler
                    }, metadataProvider: RequestScope.metadataProvider)
            case .json:
                LoggingSystem.bootstrap(
                    { label, provider in JSONLogHandler(label: label, level: level, metadataProvider: provider) },
                    metadataProvider: RequestScope.metadataProvider)
            }
            done = true
        }
    }

    /// The logger the application and its services use.
    public static func logger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "tiffin", metadataProvider: RequestScope.metadataProvider)
        logger.logLevel = level
        return logger
    }
}

/// Writes each log event as one JSON object on standard error:
/// `{"timestamp":"…","level":"info","label":"tiffin","message":"…","source":"Ordering","order.id":"…",…}`.
/// Metadata keys are top-level fields; nested metadata is flattened to its description.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    private static let lock = Mutex(())

    init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider?) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadataProvider?.get() ?? [:] { fields[key] = "\(value)" }
        for (key, value) in metadata { fields[key] = "\(value)" }
        for (key, value) in event.metadata ?? [:] { fields[key] = "\(value)" }
        fields["timestamp"] = TiffinJSON.format(Date())
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = event.message.description
        fields["source"] = event.source
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(fields) else { return }
        line.append(0x0A)
        Self.lock.withLock { _ in FileHandle.standardError.write(line) }
    }
}
