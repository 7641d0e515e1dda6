// The orderhub dashboard: a small client of the HTTP API (docs/api.md).
// The API key lives in sessionStorage only (never in a URL); pages keep their
// filters in the URL, so a reload or a shared link shows the same orders.
"use strict";

const KEY = "orderhub.key";
const SINCE = "orderhub.since";
const LANG = "orderhub.lang";
/** A session ends after this long without a request. */
const SESSION_MS = 8 * 3600 * 1000;

const TEXT = {
  en: {
    "nav.orders": "Orders", "nav.shops": "Shops", "nav.attention": "Attention", "nav.signout": "Sign out", "lang.switch": "中文",
    "signin.title": "Sign in", "signin.help": "Paste an API key (orderhub keys create --scope read). It is kept in this browser tab only.",
    "signin.key": "API key", "signin.go": "Sign in",
    "signin.refused": "That key was not accepted: it is unknown or was revoked. Check it, or create one with `orderhub keys create`.",
    "signin.expired": "Your session expired after 8 hours without use. Sign in again.",
    "signin.signedout": "Signed out.",
    "orders.title": "Orders", "orders.search": "Search: order number, tracking; buyer, phone, email (pii keys)",
    "orders.platform": "Platform", "orders.shop": "Shop", "orders.status": "Status", "orders.payment": "Payment",
    "orders.refund": "Refund", "orders.from": "Created from", "orders.to": "Created before", "orders.apply": "Apply",
    "orders.clear": "Clear", "orders.any": "any", "orders.none": "No orders match.", "orders.next": "Next page",
    "orders.first": "First page", "orders.counts": "Orders by status", "orders.chart": "Orders per day (last 30 days)",
    "orders.unfiltered": "All shops and statuses: the filters below apply to the list only.",
    "orders.sales": "Sales", "orders.purchases": "Purchases at suppliers",
    "col.linked": "Linked", "order.links": "Linked orders", "link.fulfils": "fulfils", "link.fulfilled_by": "fulfilled by",
    "link.unresolved": "no one stored order has this number (yet)", "link.tracking": "tracking",
    "value.encrypted": "encrypted", "image.none": "no image", "timeline.payload": "payload only",
    "col.order": "Order", "col.shop": "Shop", "col.platform": "Platform", "col.status": "Status", "col.payment": "Payment",
    "col.buyer": "Buyer", "col.total": "Total", "col.created": "Created",
    "order.back": "← Orders", "order.details": "Details", "order.items": "Items", "order.totals": "Totals",
    "order.address": "Shipping address", "order.customer": "Buyer", "order.shipments": "Shipments",
    "order.timeline": "Timeline", "order.raw": "Platform payload", "order.none": "None",
    "order.ship": "Ship", "order.tracking": "Tracking number", "order.carrier": "Carrier code", "order.send": "Send to the platform",
    "order.noship": "This platform does not take shipments through its API.",
    "order.job": "Write-back", "order.job.pending": "Queued: waiting for the platform…",
    "order.job.running": "Sending to the platform…", "order.job.done": "The platform confirmed it.",
    "order.job.failed": "The platform refused it:",
    "order.job.retrying": "The platform failed the last attempt; orderhub will try again:",
    "order.subtotal": "Subtotal", "order.shipping": "Shipping", "order.discount": "Discount", "order.total": "Total", "order.paid": "Paid",
    "event.created": "Created", "event.changed": "Changed",
    "shops.title": "Shops", "shops.key": "Shop", "shops.platform": "Platform", "shops.lastsync": "Last sync",
    "shops.lag": "Lag", "shops.calls": "API calls", "shops.orders": "Orders", "shops.state": "State",
    "shops.ok": "OK", "shops.paused": "Paused", "shops.syncing": "Syncing…", "shops.never": "never",
    "shops.syncnow": "Sync now", "shops.started": "Sync started for", "shops.check": "Check",
    "shops.checkok": "Every check passed", "shops.checkfailed": "A check failed", "shops.fetch": "Fetch by order number",
    "shops.fetchgo": "Fetch", "shops.fetched": "Stored", "shops.missing": "Not found on the platform:",
    "attention.title": "Needs attention", "attention.open": "Open", "attention.closed": "Closed", "attention.all": "All",
    "attention.kind": "Kind", "attention.allkinds": "Every kind", "attention.none": "Nothing needs attention.", "attention.severity": "Severity",
    "attention.what": "Shop / order", "attention.reason": "What is wrong", "attention.action": "What to do",
    "attention.opened": "Opened", "attention.state": "State", "attention.dismiss": "Dismiss",
    "attention.note": "Note: what was done, or why nothing needs doing", "attention.save": "Dismiss with this note",
    "attention.dismissed": "Dismissed by", "attention.cleared": "Cleared by itself",
    "attention.done": "Dismissed.",
    "kind.shop_paused": "Shop paused", "kind.shop_stalled": "Shop not syncing", "kind.writeback_failed": "Write-back failed",
    "kind.unreadable_order": "Order could not be read", "kind.ship_deadline": "Ship-by deadline", "severity.critical": "critical", "severity.warning": "warning",
    "error.network": "The orderhub server cannot be reached. Is it running?",
    "error.forbidden": "Your key may not do this:",
  },
  zh: {
    "nav.orders": "订单", "nav.shops": "店铺", "nav.attention": "待处理", "nav.signout": "退出", "lang.switch": "English",
    "signin.title": "登录", "signin.help": "粘贴 API 密钥(orderhub keys create --scope read)。密钥只保存在当前浏览器标签页中。",
    "signin.key": "API 密钥", "signin.go": "登录",
    "signin.refused": "密钥无效:未知或已被吊销。请检查密钥,或用 `orderhub keys create` 创建新的密钥。",
    "signin.expired": "会话已过期(8 小时未使用),请重新登录。",
    "signin.signedout": "已退出。",
    "orders.title": "订单", "orders.search": "搜索:订单号、物流单号;买家、电话、邮箱(需 pii 权限)",
    "orders.platform": "平台", "orders.shop": "店铺", "orders.status": "状态", "orders.payment": "支付",
    "orders.refund": "退款", "orders.from": "创建起", "orders.to": "创建止", "orders.apply": "筛选",
    "orders.clear": "清除", "orders.any": "全部", "orders.none": "没有符合条件的订单。", "orders.next": "下一页",
    "orders.first": "第一页", "orders.counts": "各状态订单数", "orders.chart": "每日订单(近 30 天)",
    "orders.unfiltered": "全部店铺和状态:下方筛选只作用于列表。",
    "orders.sales": "销售订单", "orders.purchases": "供应商采购单",
    "col.linked": "关联", "order.links": "关联订单", "link.fulfils": "履约", "link.fulfilled_by": "由采购单履约",
    "link.unresolved": "尚无(或不止一个)对应的已存订单", "link.tracking": "物流",
    "value.encrypted": "已加密", "image.none": "无图", "timeline.payload": "仅原始数据",
    "col.order": "订单号", "col.shop": "店铺", "col.platform": "平台", "col.status": "状态", "col.payment": "支付",
    "col.buyer": "买家", "col.total": "金额", "col.created": "下单时间",
    "order.back": "← 订单", "order.details": "详情", "order.items": "商品", "order.totals": "金额",
    "order.address": "收货地址", "order.customer": "买家", "order.shipments": "物流",
    "order.timeline": "变更记录", "order.raw": "平台原始数据", "order.none": "无",
    "order.ship": "发货", "order.tracking": "物流单号", "order.carrier": "物流公司代码", "order.send": "提交到平台",
    "order.noship": "该平台的接口不支持回传物流。",
    "order.job": "回传", "order.job.pending": "已排队,等待平台处理…",
    "order.job.running": "正在提交到平台…", "order.job.done": "平台已确认。",
    "order.job.failed": "平台拒绝:",
    "order.job.retrying": "平台上次处理失败,orderhub 将自动重试:",
    "order.subtotal": "商品金额", "order.shipping": "运费", "order.discount": "优惠", "order.total": "合计", "order.paid": "实付",
    "event.created": "创建", "event.changed": "变更",
    "shops.title": "店铺", "shops.key": "店铺", "shops.platform": "平台", "shops.lastsync": "上次同步",
    "shops.lag": "延迟", "shops.calls": "接口调用", "shops.orders": "订单数", "shops.state": "状态",
    "shops.ok": "正常", "shops.paused": "已暂停", "shops.syncing": "同步中…", "shops.never": "从未",
    "shops.syncnow": "立即同步", "shops.started": "已开始同步", "shops.check": "检查",
    "shops.checkok": "全部检查通过", "shops.checkfailed": "有检查未通过", "shops.fetch": "按订单号拉取",
    "shops.fetchgo": "拉取", "shops.fetched": "已保存", "shops.missing": "平台上没有这些订单:",
    "attention.title": "待处理事项", "attention.open": "未处理", "attention.closed": "已关闭", "attention.all": "全部",
    "attention.kind": "类型", "attention.allkinds": "全部类型", "attention.none": "没有需要处理的事项。", "attention.severity": "级别",
    "attention.what": "店铺 / 订单", "attention.reason": "问题", "attention.action": "处理方法",
    "attention.opened": "发生时间", "attention.state": "状态", "attention.dismiss": "忽略",
    "attention.note": "备注:做了什么,或为何无需处理", "attention.save": "填写备注并忽略",
    "attention.dismissed": "已忽略:", "attention.cleared": "已自动解除",
    "attention.done": "已忽略。",
    "kind.shop_paused": "店铺已暂停同步", "kind.shop_stalled": "店铺同步停滞", "kind.writeback_failed": "回传失败",
    "kind.unreadable_order": "订单无法读取", "kind.ship_deadline": "发货时限", "severity.critical": "严重", "severity.warning": "警告",
    "error.network": "无法连接 orderhub 服务器,请确认它正在运行。",
    "error.forbidden": "当前密钥无权执行此操作:",
  },
};
const STATUS_WORDS = {
  zh: { pending_payment: "待付款", awaiting_shipment: "待发货", shipped: "已发货", completed: "已完成", cancelled: "已取消",
        unpaid: "未付款", paid: "已付款", partially_refunded: "部分退款", refunded: "已退款", failed: "失败",
        none: "无", requested: "申请中", partial: "部分", full: "全额", pending: "排队中", running: "处理中", done: "完成" },
  en: {},
};
/** The platforms the hub knows, their keys and chart colours: read once
 *  from GET /api/v1/platforms (the connectors' registry), never listed here. */
let PLATFORMS = null;
const COLORS = {};
/** Each platform's role: `sale` (a sales channel) or `purchase` (a supplier). */
const ROLES = {};
async function loadPlatforms() {
  if (!PLATFORMS) {
    const answer = await api("/api/v1/platforms");
    for (const p of answer.platforms) { COLORS[p.key] = p.colour; ROLES[p.key] = p.role; }
    PLATFORMS = answer.platforms.map((p) => p.key);
  }
  return PLATFORMS;
}
const STATUSES = ["pending_payment", "awaiting_shipment", "shipped", "completed", "cancelled"];
const PAYMENTS = ["unpaid", "paid", "partially_refunded", "refunded", "failed"];
const REFUNDS = ["none", "requested", "partial", "full"];

function lang() {
  const chosen = localStorage.getItem(LANG);
  if (chosen === "zh" || chosen === "en") return chosen;
  const asked = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  return asked.some((l) => String(l).toLowerCase().startsWith("zh")) ? "zh" : "en";
}
function t(key) { return TEXT[lang()][key] || TEXT.en[key] || key; }
function word(w) { return (STATUS_WORDS[lang()] || {})[w] || String(w).replace(/_/g, " "); }

/** Builds an element: h("a", {href: "/x"}, "text", child). Text is never parsed as HTML. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function notice(message, kind) {
  const box = document.getElementById("notice");
  if (!message) { box.hidden = true; box.textContent = ""; return; }
  box.textContent = message;
  box.className = kind || "";
  box.hidden = false;
}

function signOut(message, kind) {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(SINCE);
  go("/ui/signin", message ? { message, kind } : null);
}

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

/** Calls the API with the session's key; a refused key ends the session. */
async function api(path, options) {
  const key = sessionStorage.getItem(KEY);
  const since = Number(sessionStorage.getItem(SINCE) || 0);
  // Signed out meanwhile (another request of the same page found the session
  // over): that request already showed why.
  if (!key) throw new ApiError(401, "unauthorized", t("signin.help"));
  if (Date.now() - since > SESSION_MS) { signOut(t("signin.expired")); throw new ApiError(401, "expired", t("signin.expired")); }
  sessionStorage.setItem(SINCE, String(Date.now()));
  const init = Object.assign({ headers: {} }, options || {});
  init.headers = Object.assign({ Authorization: "Bearer " + key }, init.headers);
  if (init.json !== undefined) {
    init.body = JSON.stringify(init.json);
    init.headers["Content-Type"] = "application/json";
    delete init.json;
  }
  let response;
  try { response = await fetch(path, init); } catch (_) { throw new ApiError(0, "network", t("error.network")); }
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) { signOut(t("signin.refused")); throw new ApiError(401, "unauthorized", t("signin.refused")); }
  if (!response.ok) {
    const message = (body.error && body.error.message) || ("HTTP " + response.status);
    throw new ApiError(response.status, body.error && body.error.code, response.status === 403 ? t("error.forbidden") + " " + message : message);
  }
  return body;
}

function time(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}
function money(amount, currency) { return amount === null || amount === undefined ? "—" : amount + (currency ? " " + currency : ""); }
function pill(w) { return h("span", { class: "pill " + w }, word(w)); }

// ---- navigation ---------------------------------------------------------

function go(url, state) {
  history.pushState(state || null, "", url);
  render();
}
window.addEventListener("popstate", render);
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='/ui/']");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  go(link.getAttribute("href"));
});

function translateChrome() {
  document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  document.getElementById("signout").hidden = !sessionStorage.getItem(KEY);
  for (const a of document.querySelectorAll("[data-nav]")) a.classList.toggle("active", location.pathname.startsWith("/ui/" + a.dataset.nav));
}

async function render() {
  translateChrome();
  const view = document.getElementById("view");
  const path = location.pathname;
  const state = history.state;
  // Tests (and people) can tell a finished page by this: the URL it shows.
  view.removeAttribute("data-rendered");
  notice(state && state.message ? state.message : "", state && state.kind);
  if (path === "/ui/signin" || !sessionStorage.getItem(KEY)) {
    renderSignin(view);
    view.setAttribute("data-rendered", location.pathname + location.search);
    return;
  }
  try {
    if (path.startsWith("/ui/orders/")) await renderOrder(view, decodeURIComponent(path.slice("/ui/orders/".length)));
    else if (path.startsWith("/ui/shops")) await renderShops(view);
    else if (path.startsWith("/ui/attention")) await renderAttention(view);
    else await renderOrders(view);
  } catch (error) {
    if (error.status !== 401) notice(error.message);
  }
  await countAttention();
  translateChrome();
  view.setAttribute("data-rendered", location.pathname + location.search);
}

/** The open items' count beside "Attention" in the navigation. */
async function countAttention() {
  const badge = document.getElementById("attention-count");
  try {
    const { open } = await api("/api/v1/attention?limit=1");
    const total = open.reduce((sum, c) => sum + c.count, 0);
    badge.textContent = String(total);
    badge.hidden = total === 0;
    badge.classList.toggle("critical", open.some((c) => c.severity === "critical" && c.count > 0));
  } catch (_) { badge.hidden = true; }
}

// ---- sign in ------------------------------------------------------------

function renderSignin(view) {
  const input = h("input", { type: "password", id: "key", autocomplete: "off", placeholder: "ohk_…", "aria-label": t("signin.key") });
  const form = h("form", { class: "card signin", onsubmit: async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(SINCE, String(Date.now()));
    try {
      await api("/api/v1/shops");
      go("/ui/orders");
    } catch (error) {
      if (error.status !== 401) notice(error.message);
    }
  } },
    h("h2", {}, t("signin.title")), h("p", { class: "muted" }, t("signin.help")), input,
    h("button", { class: "primary", type: "submit", id: "signin" }, t("signin.go")));
  view.replaceChildren(form);
  input.focus();
}

// ---- orders -------------------------------------------------------------

function select(name, label, values, current) {
  return h("label", {}, label, h("select", { name },
    h("option", { value: "" }, t("orders.any")),
    values.map((v) => h("option", { value: v, selected: v === current }, word(v)))));
}

async function renderOrders(view) {
  const params = new URLSearchParams(location.search);
  const query = new URLSearchParams();
  for (const [k, v] of params) if (v) query.set(k, v);
  if (!query.has("limit")) query.set("limit", "50");
  // Sales by default: purchases at a supplier are not sales, and have a view of their own.
  const role = params.get("role") === "purchase" ? "purchase" : "sale";
  query.set("role", role);
  const [page, stats] = await Promise.all(
    [api("/api/v1/orders?" + query), api("/api/v1/stats?role=" + role), loadPlatforms()]);
  const platforms = PLATFORMS.filter((p) => ROLES[p] === role);
  const form = h("form", { class: "filters", id: "filters", onsubmit: (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(event.target)) {
      if (!v) continue;
      next.set(k, k.startsWith("created") ? new Date(v).toISOString() : v);
    }
    go("/ui/orders" + (next.toString() ? "?" + next : ""));
  } },
    h("label", {}, t("orders.search"), h("input", { name: "q", type: "search", value: params.get("q") || "", size: 34 })),
    role === "purchase" ? h("input", { type: "hidden", name: "role", value: "purchase" }) : null,
    select("platform", t("orders.platform"), platforms, params.get("platform")),
    h("label", {}, t("orders.shop"), h("input", { name: "shop", value: params.get("shop") || "", size: 10 })),
    select("status", t("orders.status"), STATUSES, params.get("status")),
    select("payment_status", t("orders.payment"), PAYMENTS, params.get("payment_status")),
    select("refund_status", t("orders.refund"), REFUNDS, params.get("refund_status")),
    h("label", {}, t("orders.from"), h("input", { name: "created_from", type: "date", value: (params.get("created_from") || "").slice(0, 10) })),
    h("label", {}, t("orders.to"), h("input", { name: "created_to", type: "date", value: (params.get("created_to") || "").slice(0, 10) })),
    h("button", { class: "primary", type: "submit" }, t("orders.apply")),
    h("a", { class: "button", href: "/ui/orders" }, t("orders.clear")));

  const totals = {};
  for (const c of stats.status_counts) totals[c.status] = (totals[c.status] || 0) + c.count;
  const counts = h("div", { class: "counts", id: "status-counts" }, STATUSES.map((s) =>
    h("a", { href: "/ui/orders?status=" + s }, h("span", { class: "pill " + s, "data-status": s }, word(s) + " " + (totals[s] || 0)))));

  const rows = page.orders.map((o) => h("tr", { "data-id": o.id },
    h("td", {}, h("a", { href: "/ui/orders/" + encodeURIComponent(o.id), class: "order-link" }, o.order_number)),
    h("td", {}, o.shop), h("td", {}, o.platform),
    h("td", { class: "status" }, pill(o.status)), h("td", {}, pill(o.payment_status)),
    h("td", {}, secret(o.customer && o.customer.name)),
    h("td", { class: "linked" }, (o.links || []).map((l) => h("span", {
      class: "link" + (l.order_id ? "" : " unresolved"), title: t("link." + l.relation) + " " + l.order_number,
    }, (l.relation === "fulfils" ? "→ " : "← ") + l.order_number))),
    h("td", { class: "n" }, money(o.total, o.currency)), h("td", {}, time(o.created_at))));
  const table = page.orders.length
    ? h("table", { id: "orders" }, h("thead", {}, h("tr", {},
        ["col.order", "col.shop", "col.platform", "col.status", "col.payment", "col.buyer", "col.linked"].map((k) => h("th", {}, t(k))),
        h("th", { class: "n" }, t("col.total")), h("th", {}, t("col.created")))), h("tbody", {}, rows))
    : h("p", { class: "muted", id: "no-orders" }, t("orders.none"));
  const pager = h("div", { class: "pager" },
    params.get("cursor") ? h("a", { class: "button", href: "/ui/orders?" + withoutCursor(params) }, t("orders.first")) : null,
    page.next_cursor ? h("a", { class: "button", id: "next-page", href: "/ui/orders?" + withCursor(params, page.next_cursor) }, t("orders.next")) : null);
  const roles = h("div", { class: "tabs", id: "roles" },
    h("a", { href: "/ui/orders", class: "button" + (role === "sale" ? " active" : ""), id: "role-sale" }, t("orders.sales")),
    h("a", { href: "/ui/orders?role=purchase", class: "button" + (role === "purchase" ? " active" : ""), id: "role-purchase" },
      t("orders.purchases")));
  view.replaceChildren(
    roles,
    h("div", { class: "card" }, h("h2", {}, t("orders.counts")), counts,
      h("p", { class: "muted", id: "unfiltered" }, t("orders.unfiltered"))),
    h("div", { class: "card chart" }, h("h2", {}, t("orders.chart")), chart(stats.orders_per_day, platforms)),
    h("div", { class: "card" }, form),
    h("div", { class: "table-wrap" }, table), pager);
}

function withoutCursor(params) { const p = new URLSearchParams(params); p.delete("cursor"); return p.toString(); }
function withCursor(params, cursor) { const p = new URLSearchParams(params); p.set("cursor", cursor); return p.toString(); }

/** A stacked bar per day, one colour per platform, as inline SVG. */
function chart(perDay, platforms) {
  const days = [...new Set(perDay.map((d) => d.day))].sort();
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", "0 0 600 160");
  svg.setAttribute("role", "img");
  svg.id = "orders-chart";
  const byDay = {};
  for (const d of perDay) (byDay[d.day] = byDay[d.day] || []).push(d);
  const max = Math.max(1, ...days.map((day) => byDay[day].reduce((s, d) => s + d.orders, 0)));
  const width = 600 / Math.max(days.length, 1);
  days.forEach((day, i) => {
    let y = 150;
    for (const d of byDay[day]) {
      const height = (d.orders / max) * 140;
      const rect = document.createElementNS(svgNs, "rect");
      rect.setAttribute("x", String(i * width + 1));
      rect.setAttribute("y", String(y - height));
      rect.setAttribute("width", String(Math.max(width - 2, 1)));
      rect.setAttribute("height", String(height));
      rect.setAttribute("fill", COLORS[d.platform] || "#98a2b3");
      const title = document.createElementNS(svgNs, "title");
      title.textContent = day + " " + d.platform + ": " + d.orders;
      rect.append(title);
      svg.append(rect);
      y -= height;
    }
  });
  const legend = h("div", { class: "legend" }, platforms.map((p) => h("span", {}, h("i", { style: "background:" + COLORS[p] }), p)));
  // The first and last day under the bars, and the tallest day's count.
  const axis = h("div", { class: "axis", id: "chart-axis" },
    h("span", {}, days[0] || ""), h("span", {}, "max " + (days.length ? max : 0)), h("span", {}, days[days.length - 1] || ""));
  return h("div", {}, svg, axis, legend);
}

// ---- one order ----------------------------------------------------------

async function renderOrder(view, id) {
  const [order, events, shops, jobs] = await Promise.all([
    api("/api/v1/orders/" + encodeURIComponent(id)),
    api("/api/v1/orders/" + encodeURIComponent(id) + "/events"),
    api("/api/v1/shops"),
    api("/api/v1/orders/" + encodeURIComponent(id) + "/writebacks"),
  ]);
  // The linked orders as they are now: their status and tracking.
  const linked = await Promise.all((order.links || []).map((l) =>
    l.order_id ? api("/api/v1/orders/" + encodeURIComponent(l.order_id)).catch(() => null) : null));
  const shop = shops.shops.find((s) => s.key === order.shop);
  const addr = order.shipping_address || {};
  const cust = order.customer || {};
  const items = h("table", { class: "items" }, h("tbody", {}, order.items.map((it) => h("tr", {},
    h("td", {}, picture(it.image_url)),
    h("td", {}, it.title || "—", h("div", { class: "muted" }, [it.sku, it.variant].filter(Boolean).join(" · "))),
    h("td", { class: "n" }, "× " + it.quantity), h("td", { class: "n" }, money(it.unit_price, order.currency)),
    h("td", { class: "n" }, money(it.total, order.currency))))));
  const shipments = order.shipments.length
    ? h("ul", { id: "shipments" }, order.shipments.map((s) => h("li", {}, s.tracking_number + " · " + (s.carrier_code || s.carrier_name || "") + " · " + time(s.shipped_at))))
    : h("p", { class: "muted", id: "shipments" }, t("order.none"));
  // Changes of the platform's payload alone say nothing a person reads: left out.
  const told = events.events.map((e) => ({ ...e, changes: e.changes.filter((c) => c.field !== "raw") }))
    .filter((e) => e.kind === "created" || e.changes.length);
  const timeline = h("ol", { class: "timeline", id: "timeline" }, told.map((e) => h("li", {},
    h("strong", {}, t("event." + e.kind)), " · ", h("span", { class: "muted" }, time(e.recorded_at)),
    e.kind === "created" ? "" : [" — ", e.changes.map(changeInWords).join("; ")])));
  view.replaceChildren(
    h("p", {}, h("a", { href: "/ui/orders" }, t("order.back"))),
    h("h1", { id: "order-title" }, order.order_number, " ", pill(order.status)),
    h("div", { class: "grid" },
      h("div", { class: "card" }, h("h2", {}, t("order.details")), h("dl", {},
        h("dt", {}, t("col.platform")), h("dd", {}, order.platform + " · " + order.shop),
        h("dt", {}, t("col.status")), h("dd", {}, pill(order.status), " ", h("span", { class: "muted" }, order.platform_status.code + " " + order.platform_status.label)),
        h("dt", {}, t("col.payment")), h("dd", {}, pill(order.payment_status), " ", pill(order.refund_status)),
        h("dt", {}, t("col.created")), h("dd", {}, time(order.created_at)))),
      h("div", { class: "card" }, h("h2", {}, t("order.totals")), h("dl", { id: "totals" },
        ["subtotal", "shipping", "discount", "total", "paid"].map((k) => [h("dt", {}, t("order." + k)), h("dd", { class: "n" }, money(order[k], order.currency))]))),
      h("div", { class: "card" }, h("h2", {}, t("order.customer")), h("dl", { id: "customer" },
        h("dt", {}, "👤"), h("dd", {}, secret(cust.name)), h("dt", {}, "☎"), h("dd", {}, secret(cust.phone)), h("dt", {}, "✉"), h("dd", {}, secret(cust.email)))),
      h("div", { class: "card" }, h("h2", {}, t("order.address")), h("p", { id: "address" },
        joined([addr.name, addr.phone], " · "), h("br"),
        joined([addr.address1, addr.address2, addr.district, addr.city, addr.province, addr.postal_code, addr.country_code], ", ")))),
    h("div", { class: "card" }, h("h2", {}, t("order.items")), h("div", { class: "table-wrap" }, items)),
    h("div", { class: "card" }, h("h2", {}, t("order.shipments")), shipments, shipForm(order, shop, jobs.jobs)),
    (order.links || []).length ? h("div", { class: "card" }, h("h2", {}, t("order.links")), links(order.links, linked)) : null,
    h("div", { class: "card" }, h("h2", {}, t("order.timeline")), timeline),
    h("div", { class: "card" }, h("h2", {}, t("order.raw")), h("pre", { id: "raw" }, JSON.stringify(order.raw, null, 2))));
}

/** An order's links, each with the linked order's status and tracking. */
function links(list, linked) {
  return h("ul", { id: "links" }, list.map((l, i) => {
    const other = linked[i];
    const number = l.order_id
      ? h("a", { href: "/ui/orders/" + encodeURIComponent(l.order_id), class: "linked-order" }, l.order_number)
      : h("span", {}, l.order_number);
    const tracking = other && other.shipments.length
      ? [" · ", t("link.tracking") + " ", other.shipments.map((s) => s.tracking_number + " " + (s.carrier_code || "")).join(", ")]
      : [];
    return h("li", { "data-relation": l.relation }, t("link." + l.relation), " ", number, " ",
      other ? pill(other.status) : h("span", { class: "muted" }, l.order_id ? "" : t("link.unresolved")), ...tracking);
  }));
}

/** A buyer's value: a platform's ciphertext (Douyin's `encrypted:…`) as a
 * short badge that opens on the full text; "—" when there is none. */
function secret(value) {
  if (!value) return "—";
  if (!String(value).startsWith("encrypted:")) return value;
  return h("details", { class: "encrypted" }, h("summary", {}, t("value.encrypted")), h("code", {}, value));
}

/** The present values, each as `secret` shows it, between separators. */
function joined(values, separator) {
  const present = values.filter(Boolean);
  return present.flatMap((v, i) => (i ? [separator, secret(v)] : [secret(v)]));
}

/** An item's picture in a fixed box; a box that says so when it fails or is missing. */
function picture(url) {
  const none = () => h("span", { class: "no-image" }, t("image.none"));
  if (!url) return none();
  const img = h("img", { src: url, alt: "", loading: "lazy" });
  img.addEventListener("error", () => img.replaceWith(none()));
  return img;
}

/** One change as a person says it: "status: paid → shipped", "tracking added". */
function changeInWords(change) {
  if (change.field === "shipments") {
    const before = Array.isArray(change.from) ? change.from.length : 0;
    const after = Array.isArray(change.to) ? change.to.length : 0;
    if (after > before) return "tracking added: " + change.to.slice(before).map((s) => s.tracking_number).join(", ");
  }
  const label = word(change.field);
  if (change.from === null || change.from === undefined) return label + ": " + short(change.to);
  return label + ": " + short(change.from) + " → " + short(change.to);
}

function short(value) {
  if (value === null || value === undefined) return "—";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 80 ? text.slice(0, 77) + "…" : text;
}

function jobLine(job) {
  const line = h("p", { id: "job", "data-state": job.state }, t("order.job") + " #" + job.id + ": ", pill(job.state), " ");
  if (job.state === "failed") line.append(t("order.job.failed") + " " + (job.error || ""));
  else line.append(t("order.job." + job.state));
  if (job.state === "done" && job.outcome && job.outcome.message) line.append(" (" + job.outcome.message + ")");
  // A platform failing while the job waits for a retry: say what it answered.
  if (job.state === "pending" && job.error) line.append(h("div", { class: "muted job-error" }, t("order.job.retrying") + " " + job.error));
  return line;
}

function shipForm(order, shop, jobs) {
  const box = h("div", { id: "ship" });
  const last = jobs.filter((j) => j.kind === "ship").pop();
  if (last) box.append(jobLine(last));
  if (last && last.state !== "failed") {
    if (last.state === "pending" || last.state === "running") watchJob(last.id, order.id);
    return box;
  }
  if (!shop || !shop.capabilities.ship) {
    box.append(h("p", { class: "muted", id: "no-ship" }, t("order.noship")));
    return box;
  }
  const tracking = h("input", { name: "tracking_number", id: "tracking", required: true, maxlength: 100 });
  const carrier = h("input", { name: "carrier_code", id: "carrier", required: true, maxlength: 100, value: "SF", size: 8 });
  box.append(h("form", { class: "filters", id: "ship-form", onsubmit: async (event) => {
    event.preventDefault();
    const button = event.target.querySelector("button");
    button.disabled = true;
    try {
      const answer = await api("/api/v1/orders/" + encodeURIComponent(order.id) + "/shipments", {
        method: "POST", headers: { "Idempotency-Key": "ui-" + order.id + "-" + tracking.value },
        json: { tracking_number: tracking.value.trim(), carrier_code: carrier.value.trim() },
      });
      event.target.replaceWith(jobLine(answer.job));
      watchJob(answer.job.id, order.id);
    } catch (error) {
      button.disabled = false;
      if (error.status !== 401) notice(error.message);
    }
  } },
    h("label", {}, t("order.tracking"), tracking), h("label", {}, t("order.carrier"), carrier),
    h("button", { class: "primary", type: "submit" }, t("order.send"))));
  return box;
}

/** Polls a write-back job until the platform answers, then shows the order anew. */
async function watchJob(jobId, orderId) {
  for (let i = 0; i < 120; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (location.pathname !== "/ui/orders/" + encodeURIComponent(orderId)) return;
    let job;
    try { job = (await api("/api/v1/outbox/" + jobId)).job; } catch (_) { return; }
    const line = document.getElementById("job");
    if (line) line.replaceWith(jobLine(job));
    if (job.state === "done" || job.state === "failed") {
      if (job.state === "done") render();
      return;
    }
  }
}

// ---- shops --------------------------------------------------------------

async function renderShops(view) {
  const { shops } = await api("/api/v1/shops");
  const rows = shops.map((s) => {
    const state = s.paused
      ? h("div", { class: "paused" }, pill("failed"), " ", t("shops.paused") + ": " + s.paused.reason, h("div", { class: "muted" }, s.paused.what_to_do))
      : s.syncing ? pill("running") : pill("ok");
    const actions = h("td", {}, h("button", { type: "button", "data-sync": s.key, onclick: async (event) => {
      event.target.disabled = true;
      try {
        await api("/api/v1/shops/" + encodeURIComponent(s.key) + "/sync", { method: "POST" });
        notice(t("shops.started") + " " + s.key, "info");
      } catch (error) { if (error.status !== 401) notice(error.message); }
      setTimeout(() => { if (location.pathname === "/ui/shops") render(); }, 1500);
    } }, t("shops.syncnow")));
    actions.append(checkButton(s));
    if (s.capabilities.fetch_by_number && !s.capabilities.list_by) actions.append(fetchBox(s));
    return h("tr", { "data-shop": s.key },
      h("td", {}, s.key), h("td", {}, s.platform), h("td", { class: "state" }, state),
      h("td", {}, s.last_ok_at ? time(s.last_ok_at) : t("shops.never")),
      h("td", { class: "n" }, s.lag_seconds === null ? "—" : lag(s.lag_seconds)),
      h("td", { class: "n" }, s.api_calls), h("td", { class: "n" }, s.orders), actions);
  });
  view.replaceChildren(h("h1", {}, t("shops.title")), h("div", { class: "table-wrap" }, h("table", { id: "shops" },
    h("thead", {}, h("tr", {}, ["shops.key", "shops.platform", "shops.state", "shops.lastsync", "shops.lag", "shops.calls", "shops.orders"].map((k) => h("th", {}, t(k))), h("th", {}))),
    h("tbody", {}, rows))));
}

function lag(seconds) {
  if (seconds < 120) return seconds + " s";
  if (seconds < 7200) return Math.round(seconds / 60) + " min";
  return Math.round(seconds / 3600) + " h";
}

// One call to the platform (what `orderhub doctor` does per shop): each
// check with what was found, and what to do where it failed.
function checkButton(shop) {
  const results = h("ul", { class: "checks", "data-checks": shop.key, hidden: true });
  const button = h("button", { type: "button", "data-check": shop.key, onclick: async () => {
    button.disabled = true;
    try {
      const answer = await api("/api/v1/shops/" + encodeURIComponent(shop.key) + "/check", { method: "POST" });
      results.replaceChildren(
        h("li", { class: answer.ok ? "ok" : "failed" }, t(answer.ok ? "shops.checkok" : "shops.checkfailed")),
        ...answer.checks.map((c) => h("li", { class: c.ok ? "ok" : "failed", "data-check-name": c.check },
          (c.ok ? "✓ " : "✗ ") + c.check + ": " + c.detail, c.fix ? h("div", { class: "muted" }, "→ " + c.fix) : "")));
      results.hidden = false;
    } catch (error) { if (error.status !== 401) notice(error.message); }
    button.disabled = false;
  } }, t("shops.check"));
  return h("span", {}, " ", button, results);
}

function fetchBox(shop) {
  const input = h("input", { name: "numbers", placeholder: "B2031…", size: 18, "aria-label": t("shops.fetch") });
  return h("form", { class: "filters fetch", "data-fetch": shop.key, onsubmit: async (event) => {
    event.preventDefault();
    const numbers = input.value.split(/[\s,]+/).filter(Boolean);
    if (!numbers.length) return;
    try {
      const answer = await api("/api/v1/shops/" + encodeURIComponent(shop.key) + "/fetch", { method: "POST", json: { order_numbers: numbers } });
      const stored = answer.stored.new + answer.stored.changed + answer.stored.unchanged;
      notice(t("shops.fetched") + ": " + stored + (answer.missing.length ? ". " + t("shops.missing") + " " + answer.missing.join(", ") : ""), "info");
    } catch (error) { if (error.status !== 401) notice(error.message); }
  } }, h("label", {}, t("shops.fetch"), input), h("button", { type: "submit" }, t("shops.fetchgo")));
}

// ---- attention ----------------------------------------------------------

async function renderAttention(view) {
  const params = new URLSearchParams(location.search);
  const open = params.get("open") || "true";
  const query = new URLSearchParams({ open, limit: "200" });
  if (params.get("kind")) query.set("kind", params.get("kind"));
  const { items, open: counts } = await api("/api/v1/attention?" + query);
  const tabs = h("div", { class: "counts tabs" }, [["true", "attention.open"], ["false", "attention.closed"], ["all", "attention.all"]].map(([value, label]) =>
    h("a", { href: "/ui/attention?open=" + value, class: "pill" + (value === open ? " active" : ""), "data-open": value }, t(label))));
  // The open items by kind, each a filter (again: all kinds).
  const byKind = {};
  for (const c of counts) byKind[c.kind] = (byKind[c.kind] || 0) + c.count;
  const kind = params.get("kind");
  const kinds = h("div", { class: "counts tabs", id: "attention-kinds" },
    h("a", { href: "/ui/attention?open=" + open, class: "pill" + (kind ? "" : " active") }, t("attention.allkinds")),
    Object.entries(byKind).map(([k, n]) => h("a", { href: "/ui/attention?open=" + open + "&kind=" + k, class: "pill" + (k === kind ? " active" : ""), "data-kind-filter": k }, t("kind." + k) + " " + n)));
  const rows = items.map((item) => {
    const what = [];
    if (item.shop) what.push(h("a", { href: "/ui/shops" }, item.shop));
    if (item.order_id) what.push(h("div", {}, h("a", { href: "/ui/orders/" + encodeURIComponent(item.order_id), class: "order-link" }, item.order_id)));
    const state = item.dismissed_at
      ? h("div", {}, t("attention.dismissed") + " " + item.dismissed_by, h("div", { class: "muted note" }, item.note))
      : item.cleared_at ? h("span", { class: "muted" }, t("attention.cleared") + " " + time(item.cleared_at))
      : dismissBox(item);
    return h("tr", { "data-item": item.id, "data-kind": item.kind },
      h("td", {}, h("span", { class: "pill " + (item.severity === "critical" ? "failed" : "pending") }, t("severity." + item.severity))),
      h("td", {}, t("kind." + item.kind)), h("td", {}, what),
      h("td", {}, item.reason, h("div", { class: "muted" }, "→ " + item.action)),
      h("td", {}, time(item.opened_at)), h("td", { class: "state" }, state));
  });
  const table = items.length
    ? h("div", { class: "table-wrap" }, h("table", { id: "attention" },
        h("thead", {}, h("tr", {}, ["attention.severity", "attention.kind", "attention.what", "attention.reason", "attention.opened", "attention.state"].map((k) => h("th", {}, t(k))))),
        h("tbody", {}, rows)))
    : h("p", { class: "muted", id: "attention-none" }, t("attention.none"));
  view.replaceChildren(h("h1", {}, t("attention.title")), tabs, kinds, table);
}

/** A person closes an item: a note, then the API records who and when. */
function dismissBox(item) {
  const note = h("input", { name: "note", placeholder: t("attention.note"), "aria-label": t("attention.note"), size: 28, required: true });
  const form = h("form", { class: "filters dismiss", "data-dismiss": item.id, hidden: true, onsubmit: async (event) => {
    event.preventDefault();
    try {
      await api("/api/v1/attention/" + item.id + "/dismiss", { method: "POST", json: { note: note.value } });
      history.replaceState({ message: t("attention.done"), kind: "info" }, "", location.pathname + location.search);
      render();
    } catch (error) { if (error.status !== 401) notice(error.message); }
  } }, note, h("button", { type: "submit", class: "primary" }, t("attention.save")));
  const button = h("button", { type: "button", "data-dismiss-open": item.id, onclick: () => { form.hidden = false; button.hidden = true; note.focus(); } }, t("attention.dismiss"));
  return h("div", {}, button, form);
}

// ---- start --------------------------------------------------------------

document.getElementById("lang").addEventListener("click", () => {
  localStorage.setItem(LANG, lang() === "zh" ? "en" : "zh");
  render();
});
document.getElementById("signout").addEventListener("click", () => signOut(t("signin.signedout"), "info"));
if (location.pathname === "/" || location.pathname === "/ui" || location.pathname === "/ui/") history.replaceState(null, "", "/ui/orders");
render();
