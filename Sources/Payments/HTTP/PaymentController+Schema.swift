public import Core

extension Refund.Status: SchemaEnumeration {}
