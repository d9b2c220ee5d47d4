import Accounts
import Catalog
import Dispatching
import Ordering
import Payments
import Storage

/// Every domain's migrations, in the order they must run.
public let allMigrations: [Migration] =
    [Outbox.migration] + AccountStore.migrations + CatalogStore.migrations + OrderStore.migrations + PaymentStore.migrations
    + DispatchStore.migrations

/// Generated diagrams for docs/architecture.md: `tiffin diagrams` prints them, and a test checks
/// the document still matches the code.
public enum Diagrams {
    public static var order: String { Ordering.OrderStateMachine.mermaid }
    public static var payment: String { Payments.PaymentStateMachine.mermaid }

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
