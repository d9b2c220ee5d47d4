public import Core
import Events
public import Foundation
public import Logging
public import Storage

/// The journeys' SLOs, computed from what `JourneyRecorder` counted: the counts written to the
/// database (and summed there across instances), budgets, burn rates, alert states and the
/// error-budget policy.
public final class SLOService: Sendable {
    public static var migrations: [Migration] { SLOStore.migrations }

    public let recorder: JourneyRecorder
    let store: SLOStore
    let clock: any WallClock
    let logger: Logger
    let flushing = FlushLock()
    /// Counts are kept for the longest window and a day more.
    static let retentionMinutes: Int64 = Int64(SLOWindow.d28.minutes) + 1_440

    public init(database: any Database, recorder: JourneyRecorder, clock: any WallClock, logger: Logger) {
        self.store = SLOStore(database: database)
        self.recorder = recorder
        self.clock = clock
        self.logger = logger
    }

    public var city: String { recorder.city }

    /// Adds what was counted since the last call to the database. What cannot be written is kept
    /// for the next call (the counts of a database outage arrive late, not never).
    public func flush() async throws {
        try await flushing.holding { [recorder, store] in
            let counts = recorder.take()
            do {
                try await store.add(counts)
                recorder.written()
            } catch {
                recorder.notWritten()
                throw error
            }
        }
    }

    /// Deletes counts older than the retention.
    public func prune() async throws {
        try await store.prune(before: JourneyRecorder.minute(of: clock.now()) - Self.retentionMinutes)
    }

    /// Each journey's counts per window, stored plus this instance's not yet written (read
    /// together, never across a flush).
    func counts(_ windows: [SLOWindow], now: Date) async throws -> [JourneyID: [SLOWindow: WindowCounts]] {
        let minute = JourneyRecorder.minute(of: now)
        let (stored, unwritten) = try await flushing.holding { [store, recorder, city] in
            (try await store.counts(city: city, windows: windows, now: minute), recorder.unwritten())
        }
        var counts = stored
        for (key, value) in unwritten where key.city == city && key.minute <= minute {
            for window in windows where key.minute > minute - Int64(window.minutes) {
                counts[key.journey, default: [:]][window, default: WindowCounts()].good += value.good
                counts[key.journey, default: [:]][window, default: WindowCounts()].valid += value.valid
            }
        }
        return counts
    }

    // MARK: Alerts

    /// Evaluates every journey's alert rules and moves its alert state (hysteresis in
    /// `AlertStatus`). Run by every instance: each transition is written once, by whichever
    /// instance gets there first. Returns the transitions this instance wrote.
    @discardableResult
    public func evaluate() async throws -> [SLOAlertTransition] {
        let now = clock.now()
        let counts = try await counts(BurnRates.alertWindows, now: now)
        let stored = try await store.alerts(city: city)
        var written: [SLOAlertTransition] = []
        for journey in Journey.all {
            let firing = BurnRates.firing(journey, counts[journey.id] ?? [:])
            let wanted = BurnRates.wanted(firing)
            let current = stored[journey.id]
            let previous = current?.status ?? AlertStatus(level: .ok, since: now)
            let next = previous.next(wanted: wanted, at: now)
            let names = firing.map(\.name)
            if let current, current.status == next && current.firing == names { continue }
            if current == nil && next.level == .ok { continue }
            let changed = next.level != previous.level
            let detail = changed ? Self.describe(journey, next.level, firing, counts[journey.id] ?? [:]) : ""
            var event: DomainEvent?
            if changed {
                // Operators hear of it (feed, email) and so do webhook endpoints, through the outbox.
                let main = try await mainCause(journey.id, now: now)
                event = try DomainEvent(
                    type: .sloAlert, aggregateID: Self.alertID(journey.id, city), occurredAt: now,
                    payload: SLOAlertChanged(
                        journey: journey.id.rawValue, city: city, from: previous.level.rawValue, to: next.level.rawValue, detail: detail,
                        mainCause: main?.cause, mainCauseShare: main?.share))
            }
            let saved = try await store.save(
                journey: journey.id, city: city, .init(status: next, firing: names, version: 0), expectedVersion: current?.version ?? 0,
                transition: changed ? (previous.level, detail) : nil, event: event)
            if saved && changed {
                let transition = SLOAlertTransition(journey: journey.id, from: previous.level, to: next.level, at: next.since, detail: detail)
                written.append(transition)
                logger.log(
                    level: next.level == .page ? .critical : next.level == .ticket ? .warning : .notice, "SLO alert",
                    metadata: ["journey": "\(journey.id.rawValue)", "from": "\(previous.level.rawValue)", "to": "\(next.level.rawValue)", "detail": "\(detail)"])
            }
        }
        return written
    }

    /// The cause of most of the last hour's bad events, with its share.
    func mainCause(_ journey: JourneyID, now: Date) async throws -> (cause: String, share: Double)? {
        let minute = JourneyRecorder.minute(of: now)
        var recent: [String: Int64] = [:]
        let (causes, unwritten) = try await flushing.holding { [store, recorder, city] in
            (try await store.causes(city: city, recent: .h1, total: .h1, now: minute), recorder.unwritten())
        }
        for count in causes where count.journey == journey {
            recent[count.cause, default: 0] += count.recent
        }
        for (key, value) in unwritten where key.journey == journey && key.city == city && key.minute > minute - 60 {
            for (cause, count) in value.causes { recent[cause, default: 0] += count }
        }
        let total = recent.values.reduce(0, +)
        guard total > 0, let top = recent.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else { return nil }
        return (top.key, Double(top.value) / Double(total))
    }

    /// One alert's events share an aggregate (they are delivered in order): a stable id from
    /// the journey and the city (two 64-bit FNV-1a keys, as advisory locks are named).
    package static func alertID(_ journey: JourneyID, _ city: String) -> UUID {
        let name = "slo-alert:\(journey.rawValue):\(city)"
        let (a, b) = (UInt64(bitPattern: advisoryLockKey(name)), UInt64(bitPattern: advisoryLockKey(name + ":2")))
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: a >> (8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: b >> (8 * $0)) }
        bytes[6] = (bytes[6] & 0x0f) | 0x80  // version 8: custom
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    static func describe(_ journey: Journey, _ level: AlertLevel, _ firing: [BurnAlertRule], _ counts: [SLOWindow: WindowCounts]) -> String {
        guard let rule = firing.first else { return "\(journey.title): back to \(level.rawValue)" }
        let long = counts[rule.long] ?? WindowCounts()
        let burn = BurnRates.burnRate(long, journey)
        return "\(journey.title): \(level.rawValue), burning \(burn.isFinite ? String(format: "%.1f", burn) : "∞")× over \(rule.long.name) (\(long.bad) bad of \(long.valid))"
    }

    // MARK: Reports

    /// Every journey's SLO as of now.
    public func report() async throws -> SLOReport {
        let now = clock.now()
        let minute = JourneyRecorder.minute(of: now)
        let counts = try await counts(BurnRates.windows, now: now)
        let (causes, unwritten) = try await flushing.holding { [store, recorder, city] in
            (try await store.causes(city: city, recent: .h1, total: .d28, now: minute), recorder.unwritten())
        }
        var unwrittenCauses: [JourneyID: [String: Int64]] = [:]
        var unwrittenRecent: [JourneyID: [String: Int64]] = [:]
        for (key, value) in unwritten where key.city == city && key.minute <= minute && key.minute > minute - Int64(SLOWindow.d28.minutes) {
            for (cause, count) in value.causes {
                unwrittenCauses[key.journey, default: [:]][cause, default: 0] += count
                if key.minute > minute - Int64(SLOWindow.h1.minutes) { unwrittenRecent[key.journey, default: [:]][cause, default: 0] += count }
            }
        }
        let alerts = try await store.alerts(city: city)
        let journeys = Journey.all.map { journey in
            let windowCounts = counts[journey.id] ?? [:]
            var byCause: [String: (recent: Int64, total: Int64)] = [:]
            for count in causes where count.journey == journey.id { byCause[count.cause] = (count.recent, count.total) }
            for (cause, count) in unwrittenCauses[journey.id] ?? [:] {
                byCause[cause, default: (0, 0)].total += count
                byCause[cause, default: (0, 0)].recent += unwrittenRecent[journey.id]?[cause] ?? 0
            }
            return JourneySLO(journey: journey, counts: windowCounts, causes: byCause, alert: alerts[journey.id], now: now)
        }
        return SLOReport(city: city, generatedAt: now, journeys: journeys)
    }

    /// The error-budget policy as state, for a deploy script: a journey whose budget is spent
    /// says "freeze".
    public func policy() async throws -> ErrorBudgetPolicy {
        let report = try await report()
        return ErrorBudgetPolicy(report)
    }

    /// The latest alert transitions, newest first.
    public func transitions(limit: Int = 50) async throws -> [SLOAlertTransition] {
        try await store.transitions(city: city, limit: limit).map {
            SLOAlertTransition(journey: $0.journey, from: $0.from, to: $0.to, at: $0.at, detail: $0.detail)
        }
    }
}

/// An alert that moved.
public struct SLOAlertTransition: Sendable, Equatable, Codable {
    public let journey: JourneyID
    public let from: AlertLevel
    public let to: AlertLevel
    public let at: Date
    public let detail: String
}
