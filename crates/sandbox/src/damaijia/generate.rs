//! A deterministic generator of Douyin shop orders.

use super::order::{DamaijiaSimOrder, DamaijiaSku};
use crate::Rng;

const PRODUCTS: &[(&str, &str, &str, i64)] = &[
    ("薰衣草香料衣柜服装鞋盒除味持久十二星座香包香囊", "随机包装", "随机包装", 1000),
    ("加厚珊瑚绒毛毯", "尺寸", "150x200cm", 8900),
    ("不锈钢保温饭盒", "颜色", "奶白", 5990),
    ("纯棉四件套", "规格", "1.8m床", 19_900),
    ("手机支架 桌面懒人", "颜色", "黑色", 1590),
];
const REGIONS: &[(&str, &str, &str, &str)] = &[
    ("浙江省", "杭州市", "西湖区", "翠苑街道"),
    ("广东省", "广州市", "天河区", "石牌街道"),
    ("江苏省", "南京市", "鼓楼区", "宁海路街道"),
    ("北京市", "市辖区", "海淀区", "中关村街道"),
];
const COMPANIES: &[(&str, &str)] = &[("shunfeng", "顺丰"), ("zhongtong", "中通"), ("yuantong", "圆通")];

fn ciphertext(rng: &mut Rng, prefix: &str) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let body: String = (0..64).map(|_| alphabet[(rng.next_u64() % 64) as usize] as char).collect();
    format!("{prefix}{body}=*CgkIARCtHCABKAESPgo8")
}

/// Makes order `index`: placed within `span` seconds before `anchor`.
pub fn generate(seed: u64, anchor: i64, span: i64, index: u64) -> DamaijiaSimOrder {
    let mut rng = Rng::fork(seed ^ 0x4441_4d41, index);
    let create_time = anchor - rng.range(60, span.max(61));
    let clamp = |t: i64| t.min(anchor);
    let (order_status, refunded) = match rng.range(0, 100) {
        0..10 => (1, false),
        10..15 => (105, false),
        15..40 => (2, false),
        40..65 => (3, false),
        65..85 => (5, false),
        85..93 => (4, true),
        _ => (4, false),
    };
    let paid = order_status != 1 && (order_status != 4 || refunded);
    let pay_time = if paid { clamp(create_time + rng.range(5, 900)) } else { 0 };
    let shipped = matches!(order_status, 3 | 5);
    let ship_time = if shipped { clamp(pay_time + rng.range(3600, 2 * 86_400)) } else { 0 };
    let finish_time = if order_status == 5 { clamp(ship_time + rng.range(86_400, 7 * 86_400)) } else { 0 };
    let close_time = if order_status == 4 { clamp(create_time + rng.range(1800, 86_400)) } else { 0 };
    let update_time = [create_time, pay_time, ship_time, finish_time, close_time].into_iter().max().unwrap();
    let lines = 1 + (rng.range(0, 100) / 80) as usize;
    let order_id = format!("48{:017}", 79_354_354_618_346_764u64 + index * 7919);
    let skus = (0..lines)
        .map(|n| {
            let (name, spec_name, spec_value, price) = *rng.pick(PRODUCTS);
            let mut product_id = 3_489_373_605_366_769_084u64 + (rng.next_u64() % 1000) * 1_000_003;
            // Ids ending in 000 survive the platform's rounding; keep every id one that does not.
            if product_id.is_multiple_of(1000) {
                product_id += 7;
            }
            DamaijiaSku {
                sku_order_id: format!("{order_id}{n}"),
                product_id,
                sku_id: 1_703_795_743_450_127 + rng.next_u64() % 100_000,
                product_name: name.into(),
                product_pic: format!("https://p3-aio.ecombdimg.com/obj/temai/{product_id:x}www600-600"),
                spec: vec![(spec_name.into(), spec_value.into())],
                out_sku_id: format!("DY-{}", product_id % 100_000),
                item_num: if rng.percent(80) { 1 } else { rng.range(2, 4) },
                origin_amount: price,
                refund_status: if refunded {
                    3
                } else if shipped && rng.percent(5) {
                    2
                } else {
                    0
                },
            }
        })
        .collect();
    let (province, city, town, street) = *rng.pick(REGIONS);
    let company = *rng.pick(COMPANIES);
    let mut order = DamaijiaSimOrder {
        order_id: order_id.clone(),
        order_status,
        main_status: if refunded { 21 } else { order_status },
        create_time,
        update_time,
        pay_time,
        ship_time,
        finish_time,
        post_amount: *rng.pick(&[0, 0, 600, 1000]),
        promotion_amount: 0,
        skus,
        logistics: shipped
            .then(|| (format!("SF{:013}", rng.range(0, 9_999_999_999_999)), company.0.into(), company.1.into())),
        region: (province.into(), city.into(), town.into(), street.into()),
        encrypted_receiver: ciphertext(&mut rng, "#Ydk4#"),
        encrypted_tel: ciphertext(&mut rng, "$sKhj9rlLyadKWJ3SqSgis"),
        encrypted_detail: ciphertext(&mut rng, "#5gBz4HyGv1L0NovpC96az"),
        verbatim: None,
    };
    if rng.percent(20) {
        order.promotion_amount = order.sum_fen() / 20;
    }
    order
}
