import Ordering
import Payments
import Core
import TiffinHTTP

/// Documentation generated from the code: the state machines (docs/architecture.md, printed by
/// `tiffin diagrams`) and the route table (docs/api.md, printed by `tiffin routes`). Tests fail
/// when the pages and the code disagree.
public enum Diagrams {
    public static var order: String { Ordering.OrderStateMachine.mermaid }
    public static var payment: String { Payments.PaymentStateMachine.mermaid }

    /// Every route with the roles that may call it, as a Markdown table (docs/api.md).
    public static var routes: String {
        var lines = ["| method | path | who may call it | what it does |", "|---|---|---|---|"]
        for operation in allOperations {
            let who = operation.roles.isEmpty ? "anyone" : operation.roles.map(\.rawValue).joined(separator: ", ")
            lines.append("| \(operation.method.rawValue.uppercased()) | `\(operation.path)` | \(who) | \(operation.summary) |")
        }
        return lines.joined(separator: "\n")
    }

    /// The blocks as they appear in docs/architecture.md.
    public static var markdown: String {
        """
        ### Order state machine

        ```mermaid
        \(order)
        ```

        ### Payment state machine

        ```mermaid
        \(payment)
        ```
        """
    }
}
