public import Core

extension OrderStatus: SchemaEnumeration {}
extension OrderActor: SchemaEnumeration {}
extension PaymentStatus: SchemaEnumeration {}
extension AttentionReason: SchemaEnumeration {}
extension ProximityMilestone: SchemaEnumeration {}
