import Core
import Dispatching
import Events
import Foundation
import Logging
import Notifications
import ServiceLifecycle
import Storage
import Synchronization

/// Carries what one instance learns to every other instance on the same PostgreSQL: courier
/// states (fixes, going on- or offline), order events (each is relayed from the outbox by one
/// instance only) and offers. So every instance knows every courier — the dispatcher plans with
/// all of them — and a subscriber connected to any instance hears everything it may.
///
/// In batches, never one NOTIFY per fix: what is learned is buffered, courier states coalesced
/// (latest per courier), and every `flushInterval` packed into as few NOTIFY payloads (≤ 7,500
/// bytes each) as fit, sent in one round trip. An instance ignores its own notifications. On
/// SQLite (one process owns the file) there is nobody to tell and this service idles.
final class ClusterBus: Service, Sendable {
    static let channel = "tiffin_live"
    static let payloadLimit = 7_500

    private struct Pending {
        /// The latest state per courier, encoded only when sent.
        var couriers: [UUID: CourierState] = [:]
        var items: [String] = []
    }

    private let pending = Mutex(Pending())
    let instanceID = UUID().uuidString
    let cluster: (any ClusterChannel)?
    let dispatch: DispatchService
    let tracking: LiveTracking
    let flushInterval: Duration
    let logger: Logger

    init(database: any Database, dispatch: DispatchService, tracking: LiveTracking, flushInterval: Duration = .milliseconds(20), logger: Logger) {
        self.cluster = database as? any ClusterChannel
        self.dispatch = dispatch
        self.tracking = tracking
        self.flushInterval = flushInterval
        self.logger = logger
    }

    /// One thing learned, as it travels.
    enum Item: Codable {
        case courier(CourierState)
        case event(Event)
        case offer(DispatchOffer)
        /// A notification for a user who may be connected to another instance.
        case notice(userID: UUID, item: ActivityItem)
        /// A sign-in ended (logged out): its connections close on every instance.
        case sessionEnded(SessionEnded)

        struct Event: Codable {
            let id: UUID
            let type: String
            let aggregateID: UUID
            let occurredAt: Date
            let payload: String

            init(_ event: DomainEvent) {
                id = event.id
                type = event.type.rawValue
                aggregateID = event.aggregateID
                occurredAt = event.occurredAt
                payload = String(decoding: event.payload, as: UTF8.self)
            }

            var domainEvent: DomainEvent {
                DomainEvent(id: id, type: EventType(type), aggregateID: aggregateID, occurredAt: occurredAt, payload: Data(payload.utf8))
            }
        }
    }

    /// A batch as notified: who sent it and what.
    struct Envelope: Codable {
        let origin: String
        let items: [Item]
    }

    private static let encoder = TiffinJSON.encoder

    private static func encoded(_ item: Item) -> String? {
        (try? encoder.encode(item)).map { String(decoding: $0, as: UTF8.self) }
    }

    func enqueue(courier: CourierState) {
        pending.withLock { $0.couriers[courier.courierID] = courier }
    }

    func enqueue(_ items: [Item]) {
        // Alone on the database (SQLite) nothing is flushed: keep nothing.
        guard cluster != nil else { return }
        let texts = items.compactMap(Self.encoded)
        pending.withLock { $0.items += texts }
    }

    func run() async throws {
        guard let cluster else {
            // Alone on the database: nothing to carry, but a service that ends stops the app.
            try? await gracefulShutdown()
            return
        }
        // Subscribed first: what this instance learns from now on is carried.
        let changes = dispatch.changes.subscribe()
        let events = tracking.relayedEvents.subscribe()
        let listener = Task { await self.listen(cluster) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await cancelWhenGracefulShutdown {
                    for await change in changes { self.carry(change) }
                }
            }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    for await event in events { self.enqueue([.event(Item.Event(event))]) }
                }
            }
            group.addTask {
                await repeatUntilShutdown(every: self.flushInterval, name: "realtime.cluster-flush", logger: self.logger) {
                    try await self.flush(cluster)
                }
            }
        }
        // The listener holds a pooled connection: tell it to stop (its own notification), so the
        // pool can close, and give it a moment.
        listener.cancel()
        try? await cluster.notify(Self.channel, payloads: [Self.stop(instanceID)])
        try? await withDeadline(.seconds(2)) { await listener.value }
    }

    /// What dispatch changed here, to be told to the others (what came from them is not sent back).
    func carry(_ change: DispatchChange) {
        switch change {
        case .courier(let state, local: true): enqueue(courier: state)
        case .courier(_, local: false): break
        case .offers(let offers): enqueue(offers.map { Item.offer($0) })
        }
    }

    static func stop(_ instanceID: String) -> String { #"{"origin":"\#(instanceID)","items":[],"stop":true}"# }

    /// Listens until told to stop, reconnecting after a failure.
    private func listen(_ cluster: any ClusterChannel) async {
        let stop = Self.stop(instanceID)
        while !Task.isCancelled {
            do {
                try await cluster.listen(Self.channel) { payload in
                    if payload == stop { return false }
                    await self.received(payload)
                    return true
                }
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("cluster listener failed; listening again", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Sends what was learned since the last flush.
    func flush(_ cluster: any ClusterChannel) async throws {
        let taken = pending.withLock { pending -> [String] in
            defer { pending = Pending() }
            return pending.couriers.values.compactMap { Self.encoded(.courier($0)) } + pending.items
        }
        guard !taken.isEmpty else { return }
        let prefix = #"{"origin":"\#(instanceID)","items":["#
        var payloads: [String] = []
        var current = prefix
        var count = 0
        for item in taken {
            if count > 0 && current.utf8.count + item.utf8.count + 3 > Self.payloadLimit {
                payloads.append(current + "]}")
                current = prefix
                count = 0
            }
            guard prefix.utf8.count + item.utf8.count + 3 <= Self.payloadLimit else {
                logger.warning("a live item too large to notify was dropped", metadata: ["bytes": "\(item.utf8.count)"])
                continue
            }
            current += (count > 0 ? "," : "") + item
            count += 1
        }
        if count > 0 { payloads.append(current + "]}") }
        try await cluster.notify(Self.channel, payloads: payloads)
    }

    func received(_ payload: String) async {
        guard let envelope = try? TiffinJSON.decoder.decode(Envelope.self, from: Data(payload.utf8)) else {
            logger.warning("unreadable cluster notification")
            return
        }
        guard envelope.origin != instanceID else { return }
        for item in envelope.items {
            switch item {
            case .courier(let state):
                // Taken when newer; then dispatch's changes carry it to this instance's watchers.
                dispatch.receiveRemote(state)
            case .event(let event):
                do { try await tracking.handleRemote(event.domainEvent) } catch {
                    logger.warning("a relayed event could not be handled", metadata: ["event.id": "\(event.id)", "error": "\(error)"])
                }
            case .offer(let offer):
                tracking.offered([offer])
            case .notice(let userID, let item):
                tracking.hub.publish(LiveMessage.text(LiveMessage.Notice(notification: item)), to: .user(userID))
            case .sessionEnded(let ended):
                tracking.hub.end(sessionID: ended.sessionID, .signedOut)
            }
        }
    }
}

/// Closes the live connections of sign-ins that end (a logout) with 1008, on this instance and,
/// through the cluster bus, on every other: a logged-out token keeps no socket open.
struct LiveSessionEnds: Service {
    let ends: Feed<SessionEnded>
    let hub: RealtimeHub
    let bus: ClusterBus

    func run() async throws {
        let ends = self.ends.subscribe()
        await cancelWhenGracefulShutdown {
            for await ended in ends {
                hub.end(sessionID: ended.sessionID, .signedOut)
                bus.enqueue([.sessionEnded(ended)])
            }
        }
    }
}
