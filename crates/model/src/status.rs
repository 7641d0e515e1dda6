//! The canonical status words. Each platform's own codes map onto these in its
//! normaliser; the platform's code itself is kept in `platform_status`.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! status_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in lifecycle order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word used in JSON, the database and query filters.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            /// Parses the JSON word back; `None` for anything else.
            pub fn parse(word: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == word)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

status_enum! {
    /// Where the order is in its life, as a seller sees it.
    OrderStatus {
        /// Placed, not paid yet.
        PendingPayment => "pending_payment",
        /// Paid; the seller has to ship it.
        AwaitingShipment => "awaiting_shipment",
        /// Handed to a carrier.
        Shipped => "shipped",
        /// Delivered or closed as done.
        Completed => "completed",
        /// Cancelled or fully refunded before completion.
        Cancelled => "cancelled",
    }
}

status_enum! {
    /// Whether the buyer's money arrived, and whether it went back.
    PaymentStatus {
        /// Nothing paid yet.
        Unpaid => "unpaid",
        /// Paid in full.
        Paid => "paid",
        /// Paid, then part of it refunded.
        PartiallyRefunded => "partially_refunded",
        /// Paid, then refunded in full.
        Refunded => "refunded",
        /// The payment failed.
        Failed => "failed",
    }
}

status_enum! {
    /// How much of the order has left the warehouse.
    FulfillmentStatus {
        /// Nothing shipped.
        Unfulfilled => "unfulfilled",
        /// Some items shipped.
        Partial => "partial",
        /// Everything shipped.
        Fulfilled => "fulfilled",
        /// Shipped and sent back.
        Returned => "returned",
    }
}

status_enum! {
    /// Whether the buyer asked for money back, and how much came back.
    RefundStatus {
        /// No refund asked.
        None => "none",
        /// A refund is asked for and not decided yet.
        Requested => "requested",
        /// Part of the money was refunded.
        Partial => "partial",
        /// All of the money was refunded.
        Full => "full",
    }
}
