// For the site's editors, in headless Chromium against a real tracuu-server
// (scripts/test.sh starts one with --analytics, --editor-token (its token in
// EDITOR_TOKEN) and --cors-origin http://127.0.0.1:WIDGET_PORT): the search
// box of /widget.js on a page of another origin (served here on
// WIDGET_PORT), and the stats page's token form and charts.
// Without TRACUU_URL and WIDGET_PORT the tests are skipped.
import { clickCountAfter, settledClickCount } from "./clicks.mjs";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { chromium } from "playwright-core";

const base = process.env.TRACUU_URL;
const port = Number(process.env.WIDGET_PORT || 0);
const skip = base && port && process.env.EDITOR_TOKEN ? false : "TRACUU_URL, WIDGET_PORT or EDITOR_TOKEN is not set";
const site = `http://127.0.0.1:${port}`;
let browser, server;

// The other site: a page with its own search input and the widget's tag;
// its article pages answer anything under /bai/.
const hostPage = `<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Báo khác</title>
<style>.tracuu-w-head{color:rgb(1, 2, 3)}</style></head>
<body><header><input id="box" type="search" placeholder="Tìm" style="width:90%"></header>
<script src="${base}/widget.js" data-input="#box" data-article-url="/bai/{id}" defer></script>
</body></html>`;

before(async () => {
  if (skip) return;
  server = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(req.url.startsWith("/bai/") ? `<h1 id="article">${decodeURIComponent(req.url)}</h1>` : hostPage);
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
});
after(async () => {
  if (browser) await browser.close();
  if (server) server.close();
});

async function newPage(width) {
  const page = await browser.newPage({ viewport: { width, height: 800 } });
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // Console errors too (a CORS refusal is only reported there); not the
  // browser's own request for /favicon.ico.
  page.on("console", (m) => {
    if (m.type() === "error" && !(m.location().url || "").endsWith("/favicon.ico")) errors.push(m.text());
  });
  return { page, errors };
}

test("the widget on another origin: ha noi shows Hà Nội, arrows and Enter, 390 px wide", { skip }, async () => {
  const { page, errors } = await newPage(390);
  await page.goto(site + "/");
  await page.locator("#box").pressSequentially("ha noi", { delay: 40 });
  await page.locator(".tracuu-w-box:not([hidden]) a.tracuu-w-item").first().waitFor();
  const texts = await page.locator(".tracuu-w-item").allTextContents();
  assert.ok(texts.some((t) => t.includes("Hà Nội")), `items: ${texts}`);
  const hits = page.locator("a.tracuu-w-item");
  assert.ok((await hits.count()) >= 1);
  // Phone-sized: the dropdown stays on the screen.
  const box = await page.locator(".tracuu-w-box").boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 390, `box ${JSON.stringify(box)}`);
  // The site's own styles win over the widget's.
  if (await page.locator(".tracuu-w-head").count())
    assert.equal(await page.locator(".tracuu-w-head").first().evaluate((e) => getComputedStyle(e).color), "rgb(1, 2, 3)");
  // Arrows move through the items; Enter on a hit opens the site's own URL for it.
  const suggestions = (await page.locator(".tracuu-w-item").count()) - (await hits.count());
  for (let k = 0; k <= suggestions; k++) await page.locator("#box").press("ArrowDown");
  const active = page.locator(".tracuu-w-active");
  assert.equal(await active.count(), 1);
  assert.equal(await active.evaluate((e) => e.tagName), "A");
  await page.locator("#box").press("ArrowUp");
  await page.locator("#box").press("ArrowDown");
  const href = await page.locator(".tracuu-w-active").getAttribute("href");
  await page.locator("#box").press("Enter");
  await page.waitForURL(`${site}/bai/**`);
  assert.equal(new URL(page.url()).pathname, href);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the widget's click beacon quotes the search's token and is counted", { skip }, async () => {
  const before = await settledClickCount(base);
  const { page, errors } = await newPage(800);
  await page.goto(site + "/");
  await page.locator("#box").pressSequentially("ha noi", { delay: 40 });
  await page.locator(".tracuu-w-box:not([hidden]) a.tracuu-w-item").first().click();
  await page.waitForURL(`${site}/bai/**`);
  const after = await clickCountAfter(base, before);
  assert.equal(after, before + 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the stats page asks for the editors' token and keeps it for the tab only", { skip }, async () => {
  const { page, errors } = await newPage(1100);
  await page.goto(base + "/editors");
  await page.locator("#login:not([hidden])").waitFor();
  assert.equal(await page.locator("#searches").textContent(), "–");  // nothing shown without it
  await page.locator("#token").fill("not-the-editors-token");
  await page.locator("#login button").click();
  await page.locator("#login:not([hidden])").waitFor();
  assert.match(await page.locator("#error").textContent(), /không đúng/);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  // The failed fetch's 401 is a console error of the browser's own: allowed.
  assert.ok(errors.every((e) => e.includes("401")), `errors: ${errors}`);
  await page.close();
});

test("the stats page draws its charts and lists", { skip }, async () => {
  // Each query from three readers (the default --stats-min-visitors), told
  // apart as the reference nginx tells the server: X-Forwarded-For.
  for (const q of ["hà nội", "ha noi", "bình tân", "zzqxw"])
    for (const reader of ["192.0.2.1", "192.0.2.2", "192.0.2.3"])
      await fetch(`${base}/search?q=${encodeURIComponent(q)}`, { headers: { "X-Forwarded-For": reader } });
  await new Promise((r) => setTimeout(r, 1200));  // one analytics batch
  const { page, errors } = await newPage(1100);
  await page.goto(base + "/editors");
  await page.locator("#token").fill(process.env.EDITOR_TOKEN);
  await page.locator("#login button").click();
  await page.locator("#per-day rect.bar").first().waitFor({ state: "attached" });
  // Kept for the tab: a reload shows the stats without asking again.
  await page.reload();
  await page.locator("#per-day rect.bar").first().waitFor({ state: "attached" });
  assert.ok(await page.locator("#login").isHidden());
  assert.equal(await page.locator("#latency polyline").count(), 2);
  assert.ok((await page.locator("#latency circle").count()) >= 2);
  // One bar a day of the period (30 by default), today's the only tall one.
  assert.equal(await page.locator("#per-day rect.bar").count(), 30);
  const heights = await page.locator("#per-day rect.bar").evaluateAll((bars) => bars.map((b) => Number(b.getAttribute("height"))));
  assert.ok(heights[29] > 0 && heights.slice(0, 29).every((h) => h === 0), `heights ${heights}`);
  const top = await page.locator("#top td a").allTextContents();
  assert.ok(top.some((t) => t.toLowerCase().includes("hà nội") || t.includes("ha noi")), `top: ${top}`);
  assert.ok((await page.locator("#zero td a").allTextContents()).includes("zzqxw"));
  assert.match(await page.locator("#searches").textContent(), /\d/);
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/stats-page.png` });
  assert.deepEqual(errors, []);
  await page.close();
});
