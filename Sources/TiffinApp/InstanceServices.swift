import Logging
import ServiceLifecycle
import Storage

/// The database and the background services of one instance, in the order they start (the
/// database first, so it closes last), each stopping the whole instance gracefully if it ends
/// or fails on its own: an instance without, say, its outbox relay is stopped (to be restarted)
/// rather than left running without it.
func instanceParts(database: any Database, gate: StartupGate, background: [any Service]) -> [ServiceGroupConfiguration.ServiceConfiguration] {
    ([database] + background.map { AfterStartup(gate: gate, inner: $0) }).map(instancePart)
}

func instancePart(_ service: any Service) -> ServiceGroupConfiguration.ServiceConfiguration {
    .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
}

/// The database and the background services as one service, for an `Application` that runs them
/// beside its server (the tests): their own group, bounded as `tiffin serve`'s is — after
/// `shutdownGrace` whatever has not stopped is cancelled, the database with it, so a query still
/// waiting for a connection that cannot come is failed rather than waited for.
struct InstanceServices: Service {
    let parts: [ServiceGroupConfiguration.ServiceConfiguration]
    let shutdownGrace: Duration
    let logger: Logger

    func run() async throws {
        var configuration = ServiceGroupConfiguration(services: parts, logger: logger)
        configuration.maximumGracefulShutdownDuration = shutdownGrace
        try await ServiceGroup(configuration: configuration).run()
    }
}
