//! Ship-by deadlines: every order a shop's connector reads is given its
//! canonical `ship_by` on the way in, whichever path reads it (a listing,
//! a lookup by number, a refresh, `verify --repair`, a write-back's read
//! back), so that the stored order, its events and the attention list
//! agree on it.

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::{
    AddressUpdate, BadOrder, Capabilities, Connector, ConnectorError, ListQuery, OrderPage, ShipmentOutcome,
    ShipmentRequest,
};
use orderhub_model::{Order, OrderStatus, Platform};
use std::sync::Arc;

/// The deadline of a shop's orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShipDeadline {
    /// An order must ship this long after it was paid (or placed, where the
    /// platform gives no payment time).
    pub within: SignedDuration,
    /// How long before its deadline an order needs attention.
    pub warn_before: SignedDuration,
}

impl ShipDeadline {
    /// 48 hours after payment, with 12 hours' warning: the deadline most
    /// platforms (Douyin's 48 h) fine late shipments by.
    pub const DEFAULT: ShipDeadline =
        ShipDeadline { within: SignedDuration::from_hours(48), warn_before: SignedDuration::from_hours(12) };

    /// `order`'s deadline: while it awaits shipment, when it was paid (or
    /// placed) plus `within`; none once shipped or cancelled, or unpaid.
    pub fn ship_by(&self, order: &Order) -> Option<Timestamp> {
        if order.status != OrderStatus::AwaitingShipment {
            return None;
        }
        order.paid_at.or(order.created_at)?.checked_add(self.within).ok()
    }
}

/// A shop's connector whose orders carry their deadline.
pub struct WithDeadlines {
    inner: Arc<dyn Connector>,
    deadline: ShipDeadline,
}

impl WithDeadlines {
    pub fn wrap(inner: Arc<dyn Connector>, deadline: ShipDeadline) -> Arc<dyn Connector> {
        Arc::new(WithDeadlines { inner, deadline })
    }

    fn mark(&self, read: &mut Result<Order, BadOrder>) {
        if let Ok(order) = read {
            order.ship_by = self.deadline.ship_by(order);
        }
    }
}

#[async_trait]
impl Connector for WithDeadlines {
    fn platform(&self) -> Platform {
        self.inner.platform()
    }

    fn shop(&self) -> &str {
        self.inner.shop()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn list_page(&self, query: &ListQuery) -> Result<OrderPage, ConnectorError> {
        let mut page = self.inner.list_page(query).await?;
        page.orders.iter_mut().for_each(|read| self.mark(read));
        Ok(page)
    }

    async fn fetch(&self, order_number: &str) -> Result<Option<Result<Order, BadOrder>>, ConnectorError> {
        let mut found = self.inner.fetch(order_number).await?;
        found.iter_mut().for_each(|read| self.mark(read));
        Ok(found)
    }

    async fn fetch_many(
        &self,
        order_numbers: &[String],
    ) -> Result<Vec<Option<Result<Order, BadOrder>>>, ConnectorError> {
        let mut found = self.inner.fetch_many(order_numbers).await?;
        found.iter_mut().flatten().for_each(|read| self.mark(read));
        Ok(found)
    }

    async fn ship(&self, shipments: &[ShipmentRequest]) -> Result<Vec<ShipmentOutcome>, ConnectorError> {
        self.inner.ship(shipments).await
    }

    async fn update_status(&self, order_numbers: &[String], code: &str) -> Result<ShipmentOutcome, ConnectorError> {
        self.inner.update_status(order_numbers, code).await
    }

    async fn update_address(
        &self,
        order_number: &str,
        update: &AddressUpdate,
    ) -> Result<ShipmentOutcome, ConnectorError> {
        self.inner.update_address(order_number, update).await
    }

    fn api_calls(&self) -> u64 {
        self.inner.api_calls()
    }

    fn platform_clock_offset(&self) -> Option<SignedDuration> {
        self.inner.platform_clock_offset()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderhub_model::{Address, Customer, Decimal, FulfillmentStatus, PaymentStatus, PlatformStatus, RefundStatus};

    fn order(status: OrderStatus, created: &str, paid: Option<&str>) -> Order {
        Order {
            id: "shoptima:belment:A-1".into(),
            platform: Platform::new("shoptima"),
            shop: "belment".into(),
            order_number: "A-1".into(),
            platform_order_id: None,
            status,
            payment_status: PaymentStatus::Paid,
            fulfillment_status: FulfillmentStatus::Unfulfilled,
            refund_status: RefundStatus::None,
            platform_status: PlatformStatus { code: "1".into(), label: "成功支付".into() },
            currency: None,
            subtotal: Decimal::ZERO,
            shipping: Decimal::ZERO,
            discount: Decimal::ZERO,
            total: Decimal::ZERO,
            paid: Decimal::ZERO,
            created_at: Some(created.parse().unwrap()),
            updated_at: None,
            paid_at: paid.map(|p| p.parse().unwrap()),
            shipped_at: None,
            cancelled_at: None,
            completed_at: None,
            ship_by: None,
            customer: Customer::default(),
            shipping_address: Address::default(),
            items: vec![],
            shipments: vec![],
            role: orderhub_model::Role::Sale,
            links: Vec::new(),
            raw: serde_json::json!({}).into(),
        }
    }

    #[test]
    fn an_order_awaiting_shipment_must_ship_within_its_time_of_payment() {
        let deadline = ShipDeadline::DEFAULT;
        let paid = order(OrderStatus::AwaitingShipment, "2026-12-01T08:00:00Z", Some("2026-12-01T09:30:00Z"));
        assert_eq!(deadline.ship_by(&paid), Some("2026-12-03T09:30:00Z".parse().unwrap()));
        // No payment time: from when it was placed.
        let placed = order(OrderStatus::AwaitingShipment, "2026-12-01T08:00:00Z", None);
        assert_eq!(deadline.ship_by(&placed), Some("2026-12-03T08:00:00Z".parse().unwrap()));
        for status in
            [OrderStatus::Shipped, OrderStatus::Cancelled, OrderStatus::PendingPayment, OrderStatus::Completed]
        {
            assert_eq!(deadline.ship_by(&order(status, "2026-12-01T08:00:00Z", None)), None, "{status:?}");
        }
    }
}
