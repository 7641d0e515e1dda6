//! A deterministic generator of Wshoto mall orders through their whole
//! lifecycle (待付款 … 已完成, 已关闭, after-sale).

use super::order::{WshotoAddress, WshotoLine, WshotoSimOrder};
use crate::Rng;

/// (goods name, spec, spu_no, sku_no, price in fen, category)
const GOODS: &[(&str, &str, &str, &str, i64, &str)] = &[
    ("多规格值商品20210831", "颜色:橙;容量:512G", "00002", "22", 600, "1430397666256252929"),
    ("有机红茶礼盒 250g", "规格:礼盒装", "00017", "17-1", 12_800, "1430397666256252931"),
    ("保温杯 500ml", "颜色:雾霾蓝", "00031", "31-3", 8_900, "1430397666256252937"),
    ("无线蓝牙耳机", "颜色:白色;版本:降噪", "00045", "45-2", 29_900, "1430397666256252941"),
    ("纯棉T恤", "颜色:黑;尺码:L", "00052", "52-4", 5_990, "1430397666256252943"),
    ("坚果大礼包 1.2kg", "规格:家庭装", "00063", "63-1", 15_800, "1430397666256252947"),
];

/// (province, city, district, area code)
const PLACES: &[(&str, &str, &str, &str)] = &[
    ("广东省", "深圳市", "南山区", "440305"),
    ("浙江省", "杭州市", "西湖区", "330106"),
    ("北京市", "北京市", "朝阳区", "110105"),
    ("上海市", "上海市", "浦东新区", "310115"),
    ("四川省", "成都市", "武侯区", "510107"),
];

const NAMES: &[&str] = &["katie", "王芳", "李雷", "张伟", "陈静", "刘洋", "赵敏"];
const CARRIERS: &[&str] = &["顺丰速运", "中通快递", "圆通速递", "京东物流"];

/// Makes order `index` of the set: placed within `span` seconds before `anchor`,
/// with no time after `anchor` (but an unpaid order's `close_time`, a deadline).
pub fn generate(seed: u64, anchor: i64, span: i64, index: u64) -> WshotoSimOrder {
    let mut rng = Rng::fork(seed ^ 0x5753_484f_544f, index);
    let create_time = anchor - rng.range(60, span.max(61));
    let clamp = |t: i64| t.min(anchor);
    let roll = rng.range(0, 100);
    let status = match roll {
        0..10 => 0,
        10..15 => 1,
        15..45 => 2,
        45..70 => 3,
        70..90 => 4,
        _ => 5,
    };
    let paid_then_closed = status == 5 && rng.percent(30);
    let paid = (1..=4).contains(&status) || paid_then_closed;
    let pay_time = paid.then(|| clamp(create_time + rng.range(10, 600)));
    let send_time =
        (3..=4).contains(&status).then(|| clamp(pay_time.unwrap_or(create_time) + rng.range(3600, 2 * 86_400)));
    let finish_time = (status == 4).then(|| clamp(send_time.unwrap_or(create_time) + rng.range(86_400, 5 * 86_400)));
    let close_time = match status {
        5 => Some(clamp(pay_time.unwrap_or(create_time) + rng.range(600, 86_400))),
        0 => Some(create_time + 1800),
        _ => None,
    };
    let order_status_tag = match status {
        4 => Some(4),
        5 if paid_then_closed => Some(3),
        5 => Some(if rng.percent(50) { 1 } else { 2 }),
        _ => None,
    };
    let refund_status = if paid_then_closed {
        Some(2)
    } else if (3..=4).contains(&status) && rng.percent(6) {
        Some(1)
    } else {
        None
    };
    let update_time = [Some(create_time), pay_time, send_time, finish_time, close_time.filter(|_| status == 5)]
        .into_iter()
        .flatten()
        .max()
        .unwrap();

    let line_count = 1 + (rng.range(0, 100) / 70) as usize + (rng.range(0, 100) / 90) as usize;
    let lines: Vec<WshotoLine> = (0..line_count)
        .map(|n| {
            let (name, spec, spu_no, sku_no, price, cid) = *rng.pick(GOODS);
            let sku_offset = rng.range(0, 50) as u64;
            WshotoLine {
                order_detail_id: index * 4 + n as u64 + 1,
                sku_id: 1_432_523_873_634_512_903 + sku_offset,
                spu_id: 1_432_523_870_895_632_386 + sku_offset / 3,
                spec_desc: spec.into(),
                spu_no: spu_no.into(),
                sku_no: sku_no.into(),
                goods_name: name.into(),
                goods_num: if rng.percent(85) { 1 } else { rng.range(2, 4) as u32 },
                thumbnail: format!("https://javatest-1253767630.file.myqcloud.com/mall-{spu_no}-{sku_no}.jpeg"),
                goods_price_fen: price,
                coupon_fen: None,
                cid: cid.into(),
            }
        })
        .collect();
    let (province, city, district, area_code) = *rng.pick(PLACES);
    let name = *rng.pick(NAMES);
    let express = send_time.map(|_| (*rng.pick(CARRIERS), format!("SF{:013}", rng.range(0, 9_999_999_999_999))));
    // A Chinese mall: its codes carry the day in China.
    let date = crate::calendar_date(create_time, "Asia/Shanghai");
    let mut order = WshotoSimOrder {
        // 19 digits like the example's 1821092913377060002: 18, yymmdd, then unique.
        order_code: format!("18{}{index:011}", &date[2..]),
        user_id: "katie".into(),
        customer_id: format!("wmCustomer{:06}", rng.range(0, 999_999)),
        buyer_nick: rng.percent(60).then(|| name.to_string()),
        status,
        pay_status: i64::from(paid),
        coupon_fen: rng.percent(20).then(|| *rng.pick(&[300, 500, 1000])),
        freight_fen: *rng.pick(&[0, 0, 0, 800, 1200]),
        lines,
        express_no: express.as_ref().map(|(_, no)| no.clone()),
        express_name: express.map(|(carrier, _)| carrier.to_string()),
        create_time,
        update_time,
        finish_time,
        pay_time,
        send_time,
        close_time,
        order_status_tag,
        refund_status,
        address: WshotoAddress {
            name: name.into(),
            mobile: format!("13{:09}", rng.range(0, 999_999_999)),
            address: format!("科技园路{}号{}栋{}室", rng.range(1, 300), rng.range(1, 20), rng.range(101, 2999)),
            area_code: area_code.into(),
            province: province.into(),
            city: city.into(),
            district: district.into(),
        },
        verbatim: None,
    };
    if order.coupon_fen.is_some_and(|coupon| coupon * 2 > order.goods_fen()) {
        order.coupon_fen = None;
    }
    order
}
