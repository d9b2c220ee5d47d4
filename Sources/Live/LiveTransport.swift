public import Storage

/// How what one instance's live layer learns reaches the other instances sharing its database.
/// Chosen at assembly: `LocalLiveTransport` for one instance alone on its database (SQLite),
/// `NotifyLiveTransport` over PostgreSQL's LISTEN/NOTIFY. A message bus would be a third.
public protocol LiveTransport: Sendable {
    /// Whether other instances may be listening; false: nothing needs carrying.
    var isShared: Bool { get }
    /// Sends `payloads` (each at most `LiveBus.payloadLimit` bytes) to every instance, this one
    /// included, in one go.
    func send(_ payloads: [String]) async throws
    /// Calls `handle` with every payload sent by any instance, until it answers false or the
    /// connection fails (then it throws, and the caller listens again).
    func listen(_ handle: @escaping @Sendable (String) async -> Bool) async throws
}

/// One instance alone on its database: nobody to tell.
public struct LocalLiveTransport: LiveTransport {
    public init() {}
    public var isShared: Bool { false }
    public func send(_ payloads: [String]) async throws {}
    public func listen(_ handle: @escaping @Sendable (String) async -> Bool) async throws {}
}

/// Instances sharing one PostgreSQL: batched NOTIFY on the channel `tiffin_live`, and LISTEN on a
/// connection of its own (never a NOTIFY inside a business transaction: it would cost the
/// commits most of their throughput).
public struct NotifyLiveTransport: LiveTransport {
    public static let channel = "tiffin_live"
    let cluster: any ClusterChannel

    public init(cluster: any ClusterChannel) {
        self.cluster = cluster
    }

    public var isShared: Bool { true }

    public func send(_ payloads: [String]) async throws {
        try await cluster.notify(Self.channel, payloads: payloads)
    }

    public func listen(_ handle: @escaping @Sendable (String) async -> Bool) async throws {
        try await cluster.listen(Self.channel, handle)
    }
}
