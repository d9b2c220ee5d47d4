import Foundation

/// Name-based identifiers and variation for the demo city: the same name gives the same value on
/// every machine and every run (no system random number generator, no hashing seed).
///
/// A name such as `tiffin-demo/restaurant/12` is hashed with FNV-1a (64 bit) under two offset
/// bases; each hash is finished with the SplitMix64 mixer, giving 128 bits. The version and
/// variant bits are then set so the result is a well-formed RFC 9562 version-4 UUID.
enum DeterministicID {
    private static let fnvOffsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3
    private static let secondBasisSalt: UInt64 = 0x9e37_79b9_7f4a_7c15

    /// The UUID for `name`.
    static func make(_ name: String) -> UUID {
        let high = mix(fnv1a(name, basis: fnvOffsetBasis))
        let low = mix(fnv1a(name, basis: fnvOffsetBasis ^ secondBasisSalt))
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(index)))
            bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(index)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122/9562 variant
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }

    /// A well-mixed 64-bit value for `name`, for deterministic variation (prices, subsets, jitter).
    static func hash(_ name: String) -> UInt64 {
        mix(fnv1a(name, basis: fnvOffsetBasis))
    }

    /// `hash(name)` reduced to `0..<bound`.
    static func pick(_ name: String, below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(hash(name) % UInt64(bound))
    }

    private static func fnv1a(_ text: String, basis: UInt64) -> UInt64 {
        var hash = basis
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* fnvPrime
        }
        return hash
    }

    /// The SplitMix64 finaliser.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
