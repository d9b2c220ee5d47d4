public import Foundation

/// A menu section of a demo restaurant, with its items, as pure data.
public struct DemoMenuSection: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let position: Int
    public let items: [DemoMenuItem]
}
