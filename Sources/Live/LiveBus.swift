import Core
import Events
import Foundation
import Logging
import ServiceLifecycle
import Storage
import Synchronization

/// What this instance learns, to its own connections and — through the `LiveTransport` — to
/// every other instance on the same database: courier states (fixes, going on- or offline),
/// order events (each is relayed from the outbox by one instance only), offers, notifications
/// and sign-ins that ended. So every instance knows every courier — the dispatcher plans with all
/// of them — and a subscriber connected to any instance hears everything it may.
///
/// Each source is a feed this service follows in its own `run()`. In batches, never one message
/// per fix: what is learned is buffered, courier states coalesced (latest per courier), and every
/// `flushInterval` packed into as few payloads (≤ 7,500 bytes each) as fit, sent in one go. An
/// instance ignores its own payloads. Alone on the database (`LocalLiveTransport`) nothing is
/// carried: notifications and ended sign-ins reach this instance's connections, and that is all.
final class LiveBus: Service, Sendable {
    static let payloadLimit = 7_500

    private struct Pending {
        /// The latest state per courier, encoded only when sent.
        var couriers: [UUID: CourierState] = [:]
        var items: [String] = []
    }

    private let pending = Mutex(Pending())
    let instanceID = UUID().uuidString
    let transport: any LiveTransport
    let couriers: any LiveCouriers
    let tracking: LiveTracking
    let notices: Feed<UserNotice>
    /// Whose logouts are carried out, and told about the other instances'.
    let signIns: any LiveSignIns
    var sessionEnds: Feed<SessionEnded> { signIns.sessionEnds }
    let flushInterval: Duration
    let logger: Logger
    var hub: LiveHub { tracking.hub }

    init(
        transport: any LiveTransport, couriers: any LiveCouriers, tracking: LiveTracking, notices: Feed<UserNotice>,
        signIns: any LiveSignIns, flushInterval: Duration = .milliseconds(20), logger: Logger
    ) {
        self.transport = transport
        self.couriers = couriers
        self.tracking = tracking
        self.notices = notices
        self.signIns = signIns
        self.flushInterval = flushInterval
        self.logger = logger
    }

    /// One thing learned, as it travels.
    enum Item: Codable {
        case courier(CourierState)
        case event(Event)
        case offer(OfferMade)
        /// A notification for a user who may be connected to another instance.
        case notice(UserNotice)
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
        // Alone on the database nothing is flushed: keep nothing.
        guard transport.isShared else { return }
        let texts = items.compactMap(Self.encoded)
        pending.withLock { $0.items += texts }
    }

    func run() async throws {
        // Subscribed first: what this instance learns from now on is carried.
        let notices = self.notices.subscribe()
        let ends = sessionEnds.subscribe()
        let shared = transport.isShared
        let changes = shared ? couriers.changes.subscribe() : nil
        let events = shared ? tracking.relayedEvents.subscribe() : nil
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await cancelWhenGracefulShutdown {
                    for await notice in notices {
                        self.hub.publish(LiveMessage.notice(notice.notification), to: .user(notice.userID))
                        self.enqueue([.notice(notice)])
                    }
                }
            }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    // A logged-out sign-in keeps no socket open, here or on any other instance.
                    for await ended in ends {
                        self.hub.end(sessionID: ended.sessionID, .signedOut)
                        self.enqueue([.sessionEnded(ended)])
                    }
                }
            }
            guard let changes, let events else { return }
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
                await repeatUntilShutdown(every: self.flushInterval, name: "live.bus-flush", logger: self.logger) { try await self.flush() }
            }
            group.addTask {
                // The listener holds a connection of its own; cancelling the listen at shutdown
                // closes it (the storage closes a cancelled caller's connection).
                await cancelWhenGracefulShutdown { await self.listen() }
            }
        }
    }

    /// What dispatch changed here, to be told to the others (what came from them is not sent back).
    func carry(_ change: DispatchChange) {
        switch change {
        case .courier(let state, local: true): enqueue(courier: state)
        case .courier(_, local: false): break
        case .offers(let offers): enqueue(offers.map { Item.offer($0) })
        }
    }

    /// Listens until cancelled, listening again a second after the connection failed or ended.
    private func listen() async {
        while !Task.isCancelled {
            do {
                try await transport.listen { payload in
                    await self.received(payload)
                    return true
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("live bus listener failed; listening again", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Sends what was learned since the last flush.
    func flush() async throws {
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
        try await transport.send(payloads)
    }

    func received(_ payload: String) async {
        guard let envelope = try? TiffinJSON.decoder.decode(Envelope.self, from: Data(payload.utf8)) else {
            logger.warning("unreadable live bus payload")
            return
        }
        guard envelope.origin != instanceID else { return }
        for item in envelope.items {
            switch item {
            case .courier(let state):
                // Taken when newer; then dispatch's changes carry it to this instance's watchers.
                couriers.receiveRemote(state)
            case .event(let event):
                do { try await tracking.handleRemote(event.domainEvent) } catch {
                    logger.warning("a relayed event could not be handled", metadata: ["event.id": "\(event.id)", "error": "\(error)"])
                }
            case .offer(let offer):
                tracking.offered([offer])
            case .notice(let notice):
                hub.publish(LiveMessage.notice(notice.notification), to: .user(notice.userID))
            case .sessionEnded(let ended):
                signIns.forgetSession(ended.sessionID)
                hub.end(sessionID: ended.sessionID, .signedOut)
            }
        }
    }
}
