import Core
public import Foundation
import Synchronization

/// Slows down password guessing, per account and per client address, in memory.
///
/// Per account: after `freeFailures` wrong passwords in a row, each further attempt must wait
/// twice as long as the previous one (1 s, 2 s, 4 s … at most `maximumLockout`) after the last
/// failure; a correct password resets the count. An attempt during the wait is refused before the
/// password is checked, so it costs the attacker a 429 and the server no bcrypt work.
/// Per address: at most `addressFailures` wrong passwords per `addressWindow`, whichever accounts
/// they were for (credential stuffing from one address).
///
/// It does not share state across instances: with N instances an attacker gets N times the budget,
/// which the exponential per-account delay keeps small. The address is the client's as the edge
/// read it: through a trusted proxy, the address the proxy forwarded (`TIFFIN_TRUSTED_PROXIES`).
public final class LoginThrottle: Sendable {
    public struct Settings: Sendable {
        public var freeFailures = 5
        public var maximumLockout: TimeInterval = 15 * 60
        public var addressFailures = 20
        public var addressWindow: TimeInterval = 10 * 60
        public init() {}
    }

    private struct AccountFailures {
        var count = 0
        var last = Date.distantPast
    }

    private struct AddressWindow {
        var start: Date
        var failures = 0
    }

    private struct State {
        var accounts: [String: AccountFailures] = [:]
        var addresses: [String: AddressWindow] = [:]
    }

    private let state = Mutex(State())
    let settings: Settings

    public init(settings: Settings = .init()) {
        self.settings = settings
    }

    /// Seconds to wait before an attempt for `account` from `address` is considered; nil when it may go ahead.
    func retryAfter(account: String, address: String, now: Date) -> Int? {
        state.withLock { state in
            var wait: TimeInterval = 0
            if let failures = state.accounts[account], failures.count >= settings.freeFailures {
                let lockout = min(settings.maximumLockout, pow(2, Double(failures.count - settings.freeFailures)))
                wait = max(wait, failures.last.addingTimeInterval(lockout).timeIntervalSince(now))
            }
            if let window = state.addresses[address], window.failures >= settings.addressFailures {
                wait = max(wait, window.start.addingTimeInterval(settings.addressWindow).timeIntervalSince(now))
            }
            return wait > 0 ? Int(wait.rounded(.up)) : nil
        }
    }

    func recordFailure(account: String, address: String, now: Date) {
        state.withLock { state in
            Self.evictIfLarge(&state, now: now, settings: settings)
            state.accounts[account, default: AccountFailures()].count += 1
            state.accounts[account]?.last = now
            if var window = state.addresses[address], now.timeIntervalSince(window.start) < settings.addressWindow {
                window.failures += 1
                state.addresses[address] = window
            } else {
                state.addresses[address] = AddressWindow(start: now, failures: 1)
            }
        }
    }

    func recordSuccess(account: String) {
        _ = state.withLock { $0.accounts.removeValue(forKey: account) }
    }

    /// Keeps memory bounded under a flood of distinct emails or addresses: entries older than the
    /// longest wait no longer matter.
    private static func evictIfLarge(_ state: inout State, now: Date, settings: Settings) {
        guard state.accounts.count + state.addresses.count > 100_000 else { return }
        let horizon = max(settings.maximumLockout, settings.addressWindow)
        state.accounts = state.accounts.filter { now.timeIntervalSince($0.value.last) < horizon }
        state.addresses = state.addresses.filter { now.timeIntervalSince($0.value.start) < settings.addressWindow }
    }
}
