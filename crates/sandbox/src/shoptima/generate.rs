//! A deterministic generator of realistic Shoptima orders: the same seed, count
//! and anchor time give the same orders, one at a time (no global state), so any
//! number of them can be made.

use super::order::{SimGoods, SimOrder};
use crate::Rng;

struct Product {
    title: &'static str,
    sku: &'static str,
    spec: &'static str,
    pro_params: &'static str,
    price_cents: i64,
    image: &'static str,
    route: &'static str,
}

const CATALOG: &[Product] = &[
    Product {
        title: "20 pcs/Bag 3 Layer Non-woven Dust Mask Thickened Disposable Mouth Mask Features as KF94 FFP2",
        sku: "10000007559556972",
        spec: "default",
        pro_params: "[\"ak0\"]",
        price_cents: 1655,
        image: "http://cdn.belment.shop/goods/mask/495107501364863.jpg",
        route: "Mjk=",
    },
    Product {
        title: "New Arrival - Secret Hair Topper",
        sku: "RAF-002-08",
        spec: "8 inchCream Beige Balayage",
        pro_params: "[\"ak0\",\"bk10\"]",
        price_cents: 2790,
        image: "https://cdn.belment.shop/undefined/985434443446872.jpg",
        route: "MjI=",
    },
    Product {
        title: "50% OFF Blonde Wavy Lace Front Wigs | 3 Colors Available",
        sku: "BL-WIG",
        spec: "Blonde",
        pro_params: "[\"ak0\"]",
        price_cents: 4600,
        image: "https://cdn.belment.shop/undefined/082609723493255.jpg",
        route: "MjM=",
    },
    Product {
        title: "Silk Pillowcase for Hair and Skin",
        sku: "SPC-22-IV",
        spec: "Ivory / Queen",
        pro_params: "[\"ak1\",\"bk2\"]",
        price_cents: 2499,
        image: "https://cdn.belment.shop/goods/spc/110298374650012.jpg",
        route: "MzE=",
    },
    Product {
        title: "Heatless Curling Rod Headband",
        sku: "HCR-01",
        spec: "Pink",
        pro_params: "[\"ak3\"]",
        price_cents: 1299,
        image: "https://cdn.belment.shop/goods/hcr/220398172640018.jpg",
        route: "MzI=",
    },
    Product {
        title: "Human Hair Clip-in Extensions 7 pcs",
        sku: "CLP-7-18",
        spec: "18 inch / Natural Black",
        pro_params: "[\"ak0\",\"bk4\"]",
        price_cents: 8900,
        image: "https://cdn.belment.shop/goods/clp/330498162750023.jpg",
        route: "MzM=",
    },
    Product {
        title: "Detangling Brush, Wet & Dry",
        sku: "DTB-100",
        spec: "default",
        pro_params: "[\"ak0\"]",
        price_cents: 899,
        image: "https://cdn.belment.shop/goods/dtb/440598152860031.jpg",
        route: "MzQ=",
    },
    Product {
        title: "Argan Oil Hair Serum 100ml",
        sku: "AOS-100",
        spec: "100ml",
        pro_params: "[\"ak2\"]",
        price_cents: 1575,
        image: "https://cdn.belment.shop/goods/aos/550698142970042.jpg",
        route: "MzU=",
    },
    Product {
        title: "Lace Wig Grip Band, Adjustable",
        sku: "LWG-BND",
        spec: "Black",
        pro_params: "[\"ak5\"]",
        price_cents: 650,
        image: "https://cdn.belment.shop/goods/lwg/660798133080057.jpg",
        route: "MzY=",
    },
    Product {
        title: "Body Wave Bundles with Closure (3 pcs)",
        sku: "BWB-3C-20",
        spec: "20 inch / 1B",
        pro_params: "[\"ak0\",\"bk7\"]",
        price_cents: 12950,
        image: "https://cdn.belment.shop/goods/bwb/770898123190061.jpg",
        route: "Mzc=",
    },
];

struct Place {
    country: &'static str,
    province: &'static str,
    city: &'static str,
    district: Option<&'static str>,
    postcode: &'static str,
    street: &'static str,
    currency: &'static str,
}

const PLACES: &[Place] = &[
    Place {
        country: "US",
        province: "CA",
        city: "San Jose",
        district: None,
        postcode: "95131",
        street: "1 Main St",
        currency: "USD",
    },
    Place {
        country: "US",
        province: "NY",
        city: "Brooklyn",
        district: Some("Kings"),
        postcode: "11201",
        street: "225 Cadman Plaza E",
        currency: "USD",
    },
    Place {
        country: "US",
        province: "TX",
        city: "Austin",
        district: None,
        postcode: "78701",
        street: "500 Congress Ave Apt 12",
        currency: "USD",
    },
    Place {
        country: "AU",
        province: "Victoria",
        city: "Melbourne",
        district: None,
        postcode: "3001",
        street: "1 Cheeseman Ave Brighton East",
        currency: "AUD",
    },
    Place {
        country: "GB",
        province: "England",
        city: "Manchester",
        district: Some("Ancoats"),
        postcode: "M4 6DE",
        street: "14 Blossom St",
        currency: "GBP",
    },
    Place {
        country: "DE",
        province: "Berlin",
        city: "Berlin",
        district: Some("Kreuzberg"),
        postcode: "10997",
        street: "Oranienstraße 25",
        currency: "EUR",
    },
    Place {
        country: "FR",
        province: "Île-de-France",
        city: "Paris",
        district: Some("11e"),
        postcode: "75011",
        street: "12 Rue Oberkampf",
        currency: "EUR",
    },
    Place {
        country: "HK",
        province: "Kowloon",
        city: "Mong Kok",
        district: None,
        postcode: "999077",
        street: "Flat 5B, 88 Nathan Rd",
        currency: "USD",
    },
    Place {
        country: "CN",
        province: "广东省",
        city: "深圳市",
        district: Some("南山区"),
        postcode: "518057",
        street: "科技园南区高新南七道 18 号",
        currency: "USD",
    },
    Place {
        country: "CA",
        province: "ON",
        city: "Toronto",
        district: None,
        postcode: "M5V 2T6",
        street: "290 Bremner Blvd",
        currency: "USD",
    },
];

const FIRST: &[&str] = &[
    "Emma", "Olivia", "Ava", "Mia", "Noah", "Liam", "Chloé", "Zoë", "Yikang", "Kai", "Mei", "Aaliyah", "Sofia", "Lucas",
];
const LAST: &[&str] = &[
    "Smith", "Johnson", "Brown", "Müller", "Dubois", "Shi", "Jiang", "Chen", "O'Brien", "García", "Nguyen", "Williams",
];
const CARRIERS: &[&str] = &["SF", "YANWEN", "4PX", "DHL", "UPS", "USPS", "YUNEXPRESS"];

/// What the generator makes.
#[derive(Debug, Clone, Copy)]
pub struct GeneratorSpec {
    pub seed: u64,
    /// The platform's "now": no order is placed, paid or shipped after it.
    pub anchor: i64,
    /// Orders are placed over this many seconds before `anchor`.
    pub span_seconds: i64,
}

/// Makes order `index` (0-based) of the set `spec` describes; `order_num` is
/// left for [`number_orders`], which needs every order's time.
pub fn generate(spec: &GeneratorSpec, index: u64) -> SimOrder {
    let mut rng = Rng::fork(spec.seed, index);
    let order_time = spec.anchor - rng.range(60, spec.span_seconds.max(61));
    let place = rng.pick(PLACES);
    let first = *rng.pick(FIRST);
    let last = *rng.pick(LAST);

    let lines = 1 + (rng.range(0, 100) / 60 + rng.range(0, 100) / 85) as usize;
    let goods = (0..lines)
        .map(|_| {
            let p = rng.pick(CATALOG);
            SimGoods {
                title: p.title.into(),
                mask: p.image.into(),
                count: if rng.percent(80) { 1 } else { rng.range(2, 5) as u32 },
                price_cents: p.price_cents,
                spec: p.spec.into(),
                pro_params: p.pro_params.into(),
                sku: p.sku.into(),
                goods_url: format!("test.belment.online/product/{}", p.route),
            }
        })
        .collect();

    // The lifecycle: ~10% never paid; of the paid, about half shipped, some pre-advised.
    let paid = !rng.percent(10);
    let pay_time = paid.then(|| (order_time + rng.range(20, 3600)).min(spec.anchor));
    let mut status = if paid { 1 } else { 0 };
    let mut shipping_time = None;
    if let Some(pay) = pay_time {
        let roll = rng.range(0, 100);
        let ship_at = pay + rng.range(3600, 3 * 86_400);
        if roll < 50 && ship_at <= spec.anchor {
            status = 2;
            shipping_time = Some(ship_at);
        } else if roll < 60 {
            status = 3;
        }
    }
    // An unpaid checkout often stops before the address step, as in the detail example.
    let bare = !paid && rng.percent(40);
    let carrier = *rng.pick(CARRIERS);
    let tracking_number = shipping_time.map(|_| format!("{carrier}{:012}", rng.range(0, 999_999_999_999)));
    let mut order = SimOrder {
        seq: index,
        order_num: String::new(),
        shop_url: "test.belment.online".into(),
        tracking_number,
        country: (!bare).then(|| place.country.into()),
        first_name: (!bare).then(|| first.into()),
        last_name: (!bare).then(|| last.into()),
        company: (!bare && rng.percent(8)).then(|| format!("{last} Trading Ltd")),
        address: (!bare).then(|| place.street.into()),
        address2: (!bare && rng.percent(15)).then(|| format!("Unit {}", rng.range(1, 40))),
        province: (!bare).then(|| place.province.into()),
        city: (!bare).then(|| place.city.into()),
        district: if bare { None } else { place.district.map(Into::into) },
        area: None,
        postcode: (!bare).then(|| place.postcode.into()),
        email: (!bare).then(|| format!("{}.{}@test.test", first.to_lowercase(), last.to_lowercase().replace('\'', ""))),
        phone: (!bare).then(|| format!("{:010}", rng.range(1_000_000_000, 9_999_999_999))),
        status,
        currency: (!bare).then(|| if rng.percent(70) { "USD".into() } else { place.currency.into() }),
        order_time,
        pay_time,
        shipping_time,
        shipping_money_cents: *rng.pick(&[0, 0, 599, 999]),
        off_price_cents: 0,
        coupons_cents: 0,
        stated_total_cents: None,
        shipping_channel_code: shipping_time.map(|_| carrier.into()),
        payment_method: if rng.percent(85) { "paypal".into() } else { "stripe".into() },
        paypal_id: Some(format!("{:X}", rng.next_u64() >> 4)),
        is_refund: 0,
        refund_type: 0,
        refund_price_cents: 0,
        goods,
        verbatim: None,
    };
    if order.district.is_none() && !bare && rng.percent(30) {
        order.area = Some("Central".into());
    }
    if rng.percent(15) {
        order.off_price_cents = order.order_price_cents() / 10;
    }
    if rng.percent(10) {
        order.coupons_cents = *rng.pick(&[300, 500]);
    }
    // Like the document's examples: some paid orders state their total, others say "0.00".
    if paid && rng.percent(60) {
        order.stated_total_cents = Some(order.payable_cents());
    }
    if paid && rng.percent(6) {
        order.is_refund = 1;
        order.refund_type = rng.range(1, 4);
        order.refund_price_cents = match order.refund_type {
            2 => order.payable_cents() / 2,
            3 => order.payable_cents(),
            _ => 0,
        };
    }
    order
}

/// Gives each order its number the way the document's examples read:
/// `<prefix>-<yyyymmdd>-<nnn>`, numbered per store day in order of time. The
/// examples' days are US Pacific days: `asda-20200520-001` was placed at
/// 1590036055 (04:40 UTC on the 21st, 21:40 on the 20th in Los Angeles).
pub fn number_orders(orders: &mut [SimOrder], prefix: &str) {
    let mut by_time: Vec<usize> = (0..orders.len()).collect();
    by_time.sort_by_key(|&i| (orders[i].order_time, orders[i].seq));
    let (mut day, mut counter) = (String::new(), 0u32);
    for i in by_time {
        let date = store_date(orders[i].order_time);
        if date != day {
            day = date;
            counter = 0;
        }
        counter += 1;
        orders[i].order_num = format!("{prefix}-{day}-{counter:03}");
    }
}

/// `yyyymmdd` of a unix time on the store's calendar (America/Los_Angeles).
pub fn store_date(unix: i64) -> String {
    crate::calendar_date(unix, "America/Los_Angeles")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_orders() {
        let spec = GeneratorSpec { seed: 42, anchor: 1_700_000_000, span_seconds: 30 * 86_400 };
        let a: Vec<_> = (0..50).map(|i| generate(&spec, i).to_list_json()).collect();
        let b: Vec<_> = (0..50).map(|i| generate(&spec, i).to_list_json()).collect();
        assert_eq!(a, b);
        let other = GeneratorSpec { seed: 43, ..spec };
        assert_ne!(generate(&other, 0).to_list_json(), a[0]);
    }

    #[test]
    fn every_status_and_refund_type_appears_and_nothing_is_in_the_future() {
        let spec = GeneratorSpec { seed: 1, anchor: 1_700_000_000, span_seconds: 30 * 86_400 };
        let orders: Vec<_> = (0..2000).map(|i| generate(&spec, i)).collect();
        for status in 0..=3 {
            assert!(orders.iter().any(|o| o.status == status), "status {status}");
        }
        for refund in 1..=3 {
            assert!(orders.iter().any(|o| o.refund_type == refund), "refund_type {refund}");
        }
        assert!(orders.iter().all(|o| o.order_time <= spec.anchor));
        assert!(orders.iter().flat_map(|o| [o.pay_time, o.shipping_time]).flatten().all(|t| t <= spec.anchor));
        assert!(orders.iter().all(|o| (o.status == 2) == o.tracking_number.is_some()));
    }

    #[test]
    fn order_numbers_count_per_china_day() {
        // The document's examples: asda-20200520-001 and asda-20200521-004.
        assert_eq!(store_date(1_590_036_055), "20200520");
        assert_eq!(store_date(1_590_081_530), "20200521");
        let spec = GeneratorSpec { seed: 3, anchor: 1_700_000_000, span_seconds: 3 * 86_400 };
        let mut orders: Vec<_> = (0..300).map(|i| generate(&spec, i)).collect();
        number_orders(&mut orders, "asda");
        let mut numbers: Vec<_> = orders.iter().map(|o| o.order_num.clone()).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), 300, "numbers are unique");
    }
}
