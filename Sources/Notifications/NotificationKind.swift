public import Core
import Foundation

/// How a notification reaches its recipient besides the activity feed, which keeps every one.
public enum NotificationChannel: String, Codable, Sendable, CaseIterable {
    /// Pushed over the recipient's open live connections, and counted unread in the feed.
    case inApp = "in_app"
    /// Sent by email (when the server has SMTP configured and the account an address).
    case email
}

/// Everything Tiffin tells someone, with who hears it and how by default. The templates of each
/// are `NotificationTemplates`.
public enum NotificationKind: String, Codable, Sendable, CaseIterable {
    // Customer
    case orderConfirmed = "order_confirmed"
    case orderAccepted = "order_accepted"
    case courierAssigned = "courier_assigned"
    case orderPickedUp = "order_picked_up"
    case courierNearby = "courier_nearby"
    case orderDelivered = "order_delivered"
    case orderRejected = "order_rejected"
    case orderCancelled = "order_cancelled"
    case orderExpired = "order_expired"
    case paymentReleased = "payment_released"
    case refundIssued = "refund_issued"
    // Restaurant
    case restaurantNewOrder = "restaurant_new_order"
    case restaurantAcceptReminder = "restaurant_accept_reminder"
    case restaurantOrderCancelled = "restaurant_order_cancelled"
    case restaurantCourierArriving = "restaurant_courier_arriving"
    // Courier
    case courierOffer = "courier_offer"
    case courierOfferWithdrawn = "courier_offer_withdrawn"
    case courierOrderCancelled = "courier_order_cancelled"
    // Operator (and, for their own endpoints, restaurant staff)
    case operatorOrderNeedsAttention = "operator_order_needs_attention"
    case operatorSLOAlert = "operator_slo_alert"
    case webhookDisabled = "webhook_disabled"

    /// The roles that receive this kind: whose preferences list it.
    public var audience: Set<Role> {
        switch self {
        case .orderConfirmed, .orderAccepted, .courierAssigned, .orderPickedUp, .courierNearby, .orderDelivered, .orderRejected,
            .orderCancelled, .orderExpired, .paymentReleased, .refundIssued:
            [.customer]
        case .restaurantNewOrder, .restaurantAcceptReminder, .restaurantOrderCancelled, .restaurantCourierArriving: [.staff]
        case .courierOffer, .courierOfferWithdrawn, .courierOrderCancelled: [.courier]
        case .operatorOrderNeedsAttention, .operatorSLOAlert: [.operator]
        case .webhookDisabled: [.staff, .operator]
        }
    }

    /// What a recipient gets until they choose: the feed and a live push always; email for what
    /// matters after the app is closed (money, the end of an order, a kitchen's new orders).
    public var defaultChannels: Set<NotificationChannel> {
        switch self {
        case .courierAssigned, .orderPickedUp, .courierNearby, .orderAccepted, .restaurantCourierArriving, .courierOffer,
            .courierOfferWithdrawn, .paymentReleased:
            [.inApp]
        default: [.inApp, .email]
        }
    }

    /// A kind that cannot be switched off everywhere: a restaurant must not miss a new order.
    public var requiresAChannel: Bool { self == .restaurantNewOrder || self == .restaurantAcceptReminder }

    /// Kinds a role may set preferences for.
    public static func kinds(for role: Role) -> [NotificationKind] { allCases.filter { $0.audience.contains(role) } }
}

/// One plain-text template per kind: the title (also the email's subject) and the body, with
/// `{name}` placeholders filled from the notification's facts. Unknown placeholders stay as
/// written, so a missing fact shows rather than vanishing.
public enum NotificationTemplates {
    public struct Template: Sendable {
        public let title: String
        public let body: String
    }

    public static func template(_ kind: NotificationKind) -> Template {
        switch kind {
        case .orderConfirmed:
            Template(
                title: "Order confirmed at {restaurant}",
                body: "{restaurant} has your order of {total}. The amount is held on your card and taken only when the food arrives.")
        case .orderAccepted:
            Template(
                title: "{restaurant} accepted your order",
                body: "Your order is being prepared. Estimated delivery in about {eta} minutes, around {etaTime} UTC.")
        case .courierAssigned:
            Template(title: "A courier is on the way to {restaurant}", body: "A courier will collect your order from {restaurant}.")
        case .orderPickedUp:
            Template(title: "Your food is on its way", body: "The courier collected your order from {restaurant}. Follow them on the map.")
        case .courierNearby:
            Template(title: "Your courier is nearly there", body: "The courier is about {distance} m away. Time to head to the door.")
        case .orderDelivered:
            Template(title: "Delivered — enjoy your meal", body: "Your order from {restaurant} was delivered. {total} was taken from your card.")
        case .orderRejected:
            Template(
                title: "{restaurant} could not take your order",
                body: "Reason: {reason}. The {total} held on your card is released; nothing was charged.")
        case .orderCancelled:
            Template(
                title: "Your order was cancelled",
                body: "Your order from {restaurant} was cancelled ({reason}). The {total} held on your card is released; nothing was charged.")
        case .orderExpired:
            Template(
                title: "{restaurant} did not answer in time",
                body: "Your order expired unanswered. The {total} held on your card is released; nothing was charged.")
        case .paymentReleased:
            Template(
                title: "{amount} released on your card",
                body: "The hold of {amount} for your order from {restaurant} was released. Nothing was charged.")
        case .refundIssued:
            Template(
                title: "{amount} refunded", body: "{amount} was refunded for your order from {restaurant} ({reason}). Refunded so far: {refunded}.")
        case .restaurantNewOrder:
            Template(
                title: "New order — {total}",
                body: "A new order of {items} item(s), {total}, for delivery to {address}. Accept it before {deadline} UTC or it expires.")
        case .restaurantAcceptReminder:
            Template(
                title: "Order waiting — expires at {deadline} UTC",
                body:
                    "An order of {total} is still unanswered. Accept or reject it before {deadline} UTC, or it expires and the customer is refunded.")
        case .restaurantOrderCancelled:
            Template(title: "Order {status}", body: "The order of {total} was {status} ({reason}). Do not prepare it.")
        case .restaurantCourierArriving:
            Template(title: "Courier arriving", body: "The courier for the order of {total} is about {distance} m away.")
        case .courierOffer:
            Template(title: "New delivery offer", body: "{orders} order(s) to deliver. Answer before {expires} UTC.")
        case .courierOfferWithdrawn:
            Template(title: "Offer withdrawn", body: "The offer of {orders} order(s) was withdrawn: {reason}.")
        case .courierOrderCancelled:
            Template(title: "Order cancelled — stop", body: "The order from {restaurant} you were delivering was cancelled ({reason}).")
        case .operatorOrderNeedsAttention:
            Template(
                title: "Order needs attention: {attention}", body: "Order {order} at {restaurant} is {status} and {attention} since {since} UTC.")
        case .operatorSLOAlert:
            Template(title: "SLO {what}: {journey} ({city})", body: "{detail}. Was {from}, now {level}. {cause}")
        case .webhookDisabled:
            Template(
                title: "Webhook endpoint disabled",
                body:
                    "The endpoint {url} failed {failures} times in a row and was disabled. Fix it, then enable it again: what it missed in the last 24 hours is sent then; older deliveries are marked failed and can be sent again from its delivery log."
            )
        }
    }

    /// `text` with each `{name}` replaced by `facts[name]`.
    public static func render(_ text: String, _ facts: [String: String]) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            out += facts[name] ?? "{\(name)}"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
