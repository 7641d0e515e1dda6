// End-to-end test of the dashboard in a real headless Chromium, against a
// running `orderhub demo`. Run by crates/orderhub/tests/dashboard.rs:
//
//   node e2e/dashboard.mjs BASE_URL API_KEY SHOPTIMA_ORIGIN SCREENSHOT_DIR MASKED_KEY
//
// API_KEY has the pii scope; MASKED_KEY is a read key without it, with which
// the dashboard must show no buyer's name, phone, email or street.
//
// Exits non-zero on the first failed check or on any console error the test
// did not provoke on purpose (a refused key makes the browser log its 401).
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const [base, key, shoptima, shots, maskedKey] = process.argv.slice(2);
if (!base || !key || !shoptima || !shots || !maskedKey) {
  console.error("usage: node dashboard.mjs BASE_URL API_KEY SHOPTIMA_ORIGIN SCREENSHOT_DIR MASKED_KEY");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
const context = await browser.newContext({ locale: "en-US", timezoneId: "Asia/Shanghai", viewport: { width: 1400, height: 1000 } });
// Items' pictures live on the platforms' image hosts, which the sandbox's
// orders name but this offline machine cannot reach: answer those with a
// placeholder picture, so that only orderhub's own requests are tested.
const placeholder = '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><rect width="48" height="48" fill="#d0d5dd"/></svg>';
const offline = (browserContext) =>
  browserContext.route((url) => url.origin !== new URL(base).origin, (route) =>
    route.request().resourceType() === "image"
      ? route.fulfill({ status: 200, contentType: "image/svg+xml", body: placeholder })
      : route.continue());
await offline(context);
const page = await context.newPage();

let step = "start";
const consoleErrors = [];
/** Console errors a step provokes on purpose, by step name. */
const expected = { "wrong key": /status of 401/ };
page.on("console", (m) => {
  if (m.type() !== "error") return;
  if (expected[step] && expected[step].test(m.text())) return;
  consoleErrors.push(`[${step}] ${m.text()}`);
});
page.on("pageerror", (e) => consoleErrors.push(`[${step}] page error: ${e}`));

function check(condition, message) {
  if (!condition) throw new Error(`${step}: ${message}`);
}
async function shot(name) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}
async function begin(name) {
  step = name;
  console.log(`- ${name}`);
}
const noticeText = () => page.locator("#notice").innerText();
/** A GET of the API with the pii key: its JSON. */
async function apiGet(path) {
  const answer = await fetch(base + path, { headers: { Authorization: `Bearer ${key}` } });
  return answer.json();
}
/** A new browser context (`options`), offline but for orderhub, signed in
 * with `signInKey` on the orders page; its console errors noted as `[tag]`. */
async function signedIn(options, signInKey, tag) {
  const context = await browser.newContext(options);
  await offline(context);
  const signed = await context.newPage();
  signed.on("console", (m) => { if (m.type() === "error") consoleErrors.push(`[${tag}] ${m.text()}`); });
  await signed.goto(base + "/ui/orders");
  await signed.waitForSelector("#key");
  await signed.fill("#key", signInKey);
  await signed.click("#signin");
  await signed.waitForSelector("#orders tbody tr");
  return { context, page: signed };
}
/** Waits until `target` (the test's page unless said) shows the URL its browser is at. */
async function rendered(target = page) {
  await target.waitForFunction(() => {
    const view = document.getElementById("view");
    return view && view.getAttribute("data-rendered") === location.pathname + location.search;
  });
}

try {
  await begin("wrong key");
  await page.goto(base + "/ui/orders");
  await page.waitForSelector("#key");
  await page.fill("#key", "ohk_" + "0".repeat(64));
  await page.click("#signin");
  await page.waitForSelector("#notice:not([hidden])");
  check((await noticeText()).includes("not accepted"), `no refusal message: ${await noticeText()}`);
  check(!page.url().includes("ohk_"), "the key is in the URL");
  await shot("01-wrong-key");

  await begin("sign in");
  await page.fill("#key", key);
  await page.click("#signin");
  await page.waitForSelector("#orders tbody tr");
  check(!page.url().includes(key), "the key is in the URL");
  check((await page.locator("#orders-chart rect").count()) > 0, "the chart has no bars");
  const counts = await page.locator("#status-counts").innerText();
  check(/awaiting shipment \d+/.test(counts), `no status counts: ${counts}`);
  await shot("02-orders");

  await begin("sales and purchases");
  const salesPlatforms = await page.locator("#orders tbody tr td:nth-child(3)").allInnerTexts();
  check(salesPlatforms.every((p) => p.trim() !== "westmonth"), `a purchase among the sales: ${salesPlatforms}`);
  const legend = await page.locator(".legend").innerText();
  check(!legend.includes("westmonth"), `the sales chart counts purchases: ${legend}`);
  await page.click("#role-purchase");
  await page.waitForURL(/role=purchase/);
  await rendered();
  const purchasePlatforms = await page.locator("#orders tbody tr td:nth-child(3)").allInnerTexts();
  check(purchasePlatforms.length > 0 && purchasePlatforms.every((p) => p.trim() === "westmonth"),
    `the purchases view lists ${purchasePlatforms}`);
  // A purchase the store linked to the shop order it fulfils: both pages show the other.
  const linkedRow = page.locator("#orders tbody tr:has(td.linked .link:not(.unresolved))").first();
  await linkedRow.locator("a.order-link").click();
  await page.waitForSelector("#links li[data-relation=fulfils] a.linked-order");
  const purchaseNumber = (await page.locator("#order-title").innerText()).split(" ")[0].trim();
  await page.click("#links a.linked-order");
  await page.waitForSelector("#links li[data-relation=fulfilled_by]");
  const back = await page.locator("#links").innerText();
  check(back.includes(purchaseNumber), `the shop order does not name purchase ${purchaseNumber}: ${back}`);
  await shot("02b-linked");
  await page.goto(base + "/ui/orders");
  await rendered();

  await begin("filter");
  await page.selectOption("select[name=status]", "shipped");
  await page.click("#filters button[type=submit]");
  await page.waitForURL(/status=shipped/);
  await rendered();
  const statuses = await page.locator("#orders td.status").allInnerTexts();
  check(statuses.length > 0 && statuses.every((s) => s.trim() === "shipped"), `rows not all shipped: ${statuses}`);
  await shot("03-filtered");

  await begin("page keeps the filters");
  await page.click("#next-page");
  await page.waitForURL(/cursor=/);
  check(page.url().includes("status=shipped"), `the filter left the URL: ${page.url()}`);
  await rendered();
  const second = await page.locator("#orders td.status").allInnerTexts();
  check(second.every((s) => s.trim() === "shipped"), "page 2 is not filtered");

  await begin("search");
  await page.goto(base + "/ui/orders?platform=shoptima&status=awaiting_shipment");
  await page.waitForSelector("#orders tbody tr");
  const number = (await page.locator("#orders a.order-link").first().innerText()).trim();
  const other = (await page.locator("#orders a.order-link").nth(1).innerText()).trim();
  const third = (await page.locator("#orders a.order-link").nth(2).innerText()).trim();
  await page.goto(base + "/ui/orders");
  await page.waitForSelector("#orders tbody tr");
  await page.fill("input[name=q]", number.toLowerCase());
  await page.click("#filters button[type=submit]");
  await page.waitForURL(/q=/);
  await rendered();
  const found = await page.locator("#orders a.order-link").allInnerTexts();
  check(found.length === 1 && found[0].trim() === number, `search for ${number} found ${found}`);
  await shot("04-search");

  await begin("open an order");
  await page.click("#orders a.order-link");
  await rendered();
  await page.waitForSelector("#timeline li");
  check((await page.locator("#order-title").innerText()).includes(number), "wrong order opened");
  check((await page.locator("#timeline").innerText()).includes("Created"), "no creation in the timeline");
  check((await page.locator("#raw").innerText()).includes(number), "the raw payload is not shown");
  const totals = await page.locator("#totals").innerText();
  check(/\d+\.\d+/.test(totals), `no money in the totals: ${totals}`);
  await shot("05-order");

  await begin("ship");
  await page.fill("#tracking", "SF-E2E-0001");
  await page.fill("#carrier", "SF");
  await page.click("#ship-form button");
  await page.waitForSelector("#job[data-state=done]", { timeout: 30000 });
  check((await page.locator("#job").innerText()).includes("发货成功"), "no confirmation from the platform");
  await page.waitForSelector("#shipments li");
  check((await page.locator("#shipments").innerText()).includes("SF-E2E-0001"), "the shipment is not shown");
  const truth = await (await fetch(shoptima + "/_sandbox/truth")).json();
  const onPlatform = (truth.orders || truth).find((o) => o.order_num === number);
  check(onPlatform && onPlatform.tracking_number === "SF-E2E-0001", "the simulator did not record the shipment");
  await shot("06-shipped");

  await begin("a failing platform");
  const faults = await fetch(shoptima + "/_sandbox/faults", { method: "POST", body: "shoptima.ship=5xx*2" });
  check(faults.ok, "cannot set the simulator's faults");
  await page.goto(base + "/ui/orders?q=" + encodeURIComponent(other));
  await page.waitForSelector("#orders a.order-link");
  await page.click("#orders a.order-link");
  await page.waitForSelector("#ship-form");
  await page.fill("#tracking", "SF-E2E-0002");
  await page.click("#ship-form button");
  await page.waitForSelector("#job .job-error", { timeout: 15000 });
  const failing = await page.locator("#job").innerText();
  check(failing.includes("will try again") && failing.includes("HTTP 500"), `no readable failure: ${failing}`);
  await shot("07-platform-failing");
  await page.waitForSelector("#job[data-state=done]", { timeout: 30000 });

  await begin("attention");
  // A shipment the platform refuses is an item on the attention page, which
  // links to its order and which a person dismisses with a note.
  const refusing = await fetch(shoptima + "/_sandbox/faults", { method: "POST", body: "shoptima.ship=busy:400*1" });
  check(refusing.ok, "cannot set the simulator's faults");
  await page.goto(base + "/ui/orders?q=" + encodeURIComponent(third));
  await page.waitForSelector("#orders a.order-link");
  await page.click("#orders a.order-link");
  await page.waitForSelector("#ship-form");
  await page.fill("#tracking", "SF-E2E-0003");
  await page.click("#ship-form button");
  await page.waitForSelector("#job[data-state=failed]", { timeout: 30000 });
  const refusedOrder = decodeURIComponent(new URL(page.url()).pathname.slice("/ui/orders/".length));
  const row = `#attention tr[data-kind=writeback_failed]:has(a[href="/ui/orders/${encodeURIComponent(refusedOrder)}"])`;
  // The sweep runs as the write-back ends; the page shows what it found.
  for (let tries = 0; ; tries++) {
    await page.goto(base + "/ui/attention");
    await rendered();
    if (await page.locator(row).count()) break;
    check(tries < 20, `no attention item for ${refusedOrder}: ${await page.locator("#view").innerText()}`);
    await page.waitForTimeout(500);
  }
  check(await page.locator("#attention-count").isVisible(), "no count of open items in the navigation");
  // The demo's shop broken on purpose is there by itself, with the platform's refusal.
  const paused = await page.locator("#attention tr[data-kind=shop_paused]").innerText();
  check(paused.includes("belment-expired") && paused.includes("401"), `the demo's paused shop: ${paused}`);
  const itemText = await page.locator(row).innerText();
  check(itemText.includes("Write-back failed") && itemText.includes("critical"), `the item: ${itemText}`);
  const itemId = await page.locator(row).getAttribute("data-item");
  await shot("08-attention");
  await page.click("a[data-kind-filter=writeback_failed]");
  await rendered();
  const kinds = await page.locator("#attention tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.kind));
  check(kinds.length > 0 && kinds.every((k) => k === "writeback_failed"), `the kind filter: ${kinds}`);
  await page.click(`${row} a.order-link`);
  await rendered();
  check((await page.locator("#order-title").innerText()).includes(third), "the item does not lead to its order");
  await page.goBack();
  await rendered();
  await page.click(`button[data-dismiss-open="${itemId}"]`);
  await page.fill(`form[data-dismiss="${itemId}"] input`, "the buyer collected it in person");
  await page.click(`form[data-dismiss="${itemId}"] button`);
  await page.waitForSelector("#notice.info:not([hidden])");
  check((await noticeText()).includes("Dismissed"), `dismiss: ${await noticeText()}`);
  await rendered();
  check((await page.locator(`#attention tr[data-item="${itemId}"]`).count()) === 0, "a dismissed item is still listed as open");
  const dismissed = await apiGet(`/api/v1/attention/${itemId}`);
  check(dismissed.note === "the buyer collected it in person" && dismissed.dismissed_by === "key:demo", `recorded: ${JSON.stringify(dismissed)}`);
  await page.click("a[data-open=false]");
  await rendered();
  check((await page.locator(`#attention tr[data-item="${itemId}"]`).innerText()).includes("the buyer collected it in person"), "the note is not shown");
  await shot("08b-attention-dismissed");

  await begin("shops");
  await page.click("a[data-nav=shops]");
  await rendered();
  await page.waitForSelector("#shops tbody tr");
  check((await page.locator("#shops tbody tr").count()) === 6, "not the five platforms' shops and the one broken on purpose");
  check((await page.locator("#shops tr[data-shop=belment-expired] .state").innerText()).includes("Paused"), "the broken shop is not paused");
  await page.fill("form[data-fetch=fecshop] input", "NO-SUCH-ORDER");
  await page.click("form[data-fetch=fecshop] button");
  await page.waitForSelector("#notice:not([hidden])");
  check((await noticeText()).includes("Not found on the platform: NO-SUCH-ORDER"), `fetch: ${await noticeText()}`);
  await page.click("button[data-check=belment]");
  await page.waitForSelector("ul[data-checks=belment]:not([hidden])");
  const checked = await page.locator("ul[data-checks=belment]").innerText();
  check(checked.includes("Every check passed") && checked.includes("token: accepted"), `shop check: ${checked}`);
  await shot("08-shops");

  await begin("switch language");
  await page.click("#lang");
  await rendered();
  await page.waitForSelector("a[data-nav=orders]:text('订单')");
  check((await page.locator("#shops thead").innerText()).includes("店铺"), "the table is not in Chinese");
  await shot("09-chinese");
  await page.click("#lang");
  await rendered();
  await page.waitForSelector("a[data-nav=orders]:text('Orders')");

  await begin("expired session");
  await page.evaluate(() => sessionStorage.setItem("orderhub.since", "0"));
  await page.goto(base + "/ui/orders");
  await page.waitForSelector("#key");
  check((await noticeText()).includes("session expired"), `no expiry message: ${await noticeText()}`);
  await shot("10-expired");

  await begin("chinese by default");
  const zh = await browser.newContext({ locale: "zh-CN" });
  const zhPage = await zh.newPage();
  zhPage.on("console", (m) => { if (m.type() === "error") consoleErrors.push(`[zh] ${m.text()}`); });
  await zhPage.goto(base + "/ui/signin");
  await zhPage.waitForSelector("#signin");
  check((await zhPage.locator("#signin").innerText()).includes("登录"), "a Chinese browser does not get Chinese");
  await zhPage.screenshot({ path: `${shots}/11-zh-signin.png` });
  await zh.close();

  await begin("no page wider than the window");
  // In Chinese, as a Chinese browser gets it: the orders, the shops, and
  // an order of every platform (Douyin's encrypted buyers, long titles,
  // pictures that do not load), on a desktop and on a phone.
  const { context: zhSigned, page: wide } =
    await signedIn({ locale: "zh-CN", timezoneId: "Asia/Shanghai", viewport: { width: 1400, height: 1000 } }, key, "zh");
  const paths = ["/ui/orders", "/ui/shops", "/ui/attention"];
  const orderPaths = {};
  for (const platform of ["damaijia", "westmonth", "vanmall", "shoptima", "wshoto"]) {
    const [order] = (await apiGet(`/api/v1/orders?platform=${platform}&limit=1`)).orders;
    check(order, `no ${platform} order in the demo`);
    orderPaths[platform] = "/ui/orders/" + encodeURIComponent(order.id);
    paths.push(orderPaths[platform]);
  }
  for (const width of [1400, 390]) {
    await wide.setViewportSize({ width, height: 900 });
    for (const path of paths) {
      await wide.goto(base + path);
      await rendered(wide);
      const overflow = await wide.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 0, `${path} at ${width} px is ${overflow} px wider than the window`);
      if (path === orderPaths.damaijia) await wide.screenshot({ path: `${shots}/13-zh-damaijia-order-${width}.png`, fullPage: true });
      if (path === "/ui/orders") await wide.screenshot({ path: `${shots}/14-zh-orders-${width}.png`, fullPage: true });
    }
  }
  // Douyin's ciphertext is a badge that opens on the full text.
  await wide.goto(base + orderPaths.damaijia);
  await wide.waitForSelector("#customer details.encrypted");
  check((await wide.locator("#customer summary").first().innerText()).includes("已加密"), "no encrypted badge");
  await zhSigned.close();

  await begin("a key without pii");
  // The buyers of the newest orders of every platform, as a pii key sees them.
  const listed = (await apiGet("/api/v1/orders?limit=20")).orders;
  const secrets = listed
    .flatMap((o) => [o.customer.name, o.customer.phone, o.customer.email, o.shipping_address.name,
      o.shipping_address.phone, o.shipping_address.address1])
    .filter((v) => typeof v === "string" && v.length >= 4 && !v.startsWith("encrypted:"));
  check(secrets.length > 10, `the demo's orders have buyers: ${secrets.length}`);
  const { context: masked, page: maskedPage } =
    await signedIn({ locale: "en-US", viewport: { width: 1400, height: 1000 } }, maskedKey, "masked");
  const seen = [await maskedPage.locator("body").innerText()];
  for (const order of listed.slice(0, 5)) {
    await maskedPage.goto(base + "/ui/orders/" + encodeURIComponent(order.id));
    await maskedPage.waitForSelector("#timeline li");
    seen.push(await maskedPage.locator("body").innerText());
  }
  await maskedPage.screenshot({ path: `${shots}/12-masked-order.png`, fullPage: true });
  // A search by a buyer's phone finds nothing without pii.
  const phone = listed.map((o) => o.customer.phone).find((p) => typeof p === "string" && /^\d{8,}$/.test(p));
  if (phone) {
    await maskedPage.goto(base + "/ui/orders?q=" + encodeURIComponent(phone.slice(0, 7)));
    await maskedPage.waitForFunction(() => document.getElementById("view")?.getAttribute("data-rendered"));
    check((await maskedPage.locator("#orders a.order-link").count()) === 0, `a search by ${phone.slice(0, 7)} found orders`);
  }
  const leaked = secrets.filter((secret) => seen.some((text) => text.includes(secret)));
  check(leaked.length === 0, `shown without pii: ${leaked.slice(0, 5).join(", ")}`);
  await masked.close();

  check(consoleErrors.length === 0, `console errors:\n${consoleErrors.join("\n")}`);
  console.log(`dashboard e2e passed; screenshots in ${shots}`);
} catch (error) {
  await shot("failure").catch(() => {});
  console.error(String(error && error.stack || error));
  if (consoleErrors.length) console.error(`console errors:\n${consoleErrors.join("\n")}`);
  await browser.close();
  process.exit(1);
}
await browser.close();
