// The search page in headless Chromium against a real tracuu-server that has
// indexed corpus/. TRACUU_URL is the server (scripts/test.sh starts one);
// without it the tests are skipped. EDITOR_TOKEN (its --editor-token) lets
// a test read /stats. SCREENSHOT_PATH, if set, gets a screenshot.
import { clickCountAfter, settledClickCount } from "./clicks.mjs";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const base = process.env.TRACUU_URL;
const skip = base ? false : "TRACUU_URL is not set";
let browser;

before(async () => {
  if (skip) return;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
});
after(async () => { if (browser) await browser.close(); });

const fold = (s) => s.normalize("NFD").replace(/\p{Mn}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();

async function newPage(width = 1100) {
  const page = await browser.newPage({ viewport: { width, height: 1000 } });
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return { page, errors };
}

test("a plain query shows highlighted accented results, then an article with its Tin khác", { skip }, async () => {
  const { page, errors } = await newPage();
  await page.goto(base + "/");
  await page.locator("#q").pressSequentially("binh tan", { delay: 40 });
  await page.locator("#suggestions li").first().waitFor();
  const suggestions = await page.locator("#suggestions li").allTextContents();
  assert.ok(suggestions.some((s) => s.includes("Bình Tân")), `suggestions: ${suggestions}`);
  await page.locator("#q").press("Enter");
  // The empty page already lists the newest articles: wait for this query's.
  await page.waitForURL(/q=binh/);
  await page.locator(".hit-snippet mark").first().waitFor();
  const marks = await page.locator(".hit-snippet mark").allTextContents();
  assert.ok(marks.length > 0, "no highlighted words");
  assert.ok(marks.some((m) => /binh|tan/.test(fold(m))), `marks: ${marks}`);
  assert.ok(marks.some((m) => m.includes("Bình")), "the highlight shows the accented original");
  const titles = await page.locator(".hit-title").allTextContents();
  assert.ok(titles.some((t) => t.includes("Bình Tân")), `titles: ${titles}`);
  assert.match(await page.locator("#total").textContent(), /kết quả/);
  if (process.env.SCREENSHOT_PATH) await page.screenshot({ path: process.env.SCREENSHOT_PATH, fullPage: false });

  await page.locator(".hit-title").first().click();
  await page.locator("#article:not([hidden])").waitFor();
  await page.waitForFunction(() => document.querySelector("#article-title").textContent !== "Đang tải…");
  assert.ok((await page.locator("#article-title").textContent()).trim().length > 0);
  await page.locator("#related .related-item").first().waitFor();
  assert.ok((await page.locator("#related .related-item").count()) >= 1);

  await page.locator("#back").click();
  await page.locator(".hit").first().waitFor();
  assert.equal(await page.locator("#q").inputValue(), "binh tan");
  assert.deepEqual(errors, []);
  await page.close();
});

test("opening a result sends a click beacon with the search's token, and it is counted", { skip: skip || (process.env.EDITOR_TOKEN ? false : "EDITOR_TOKEN is not set") }, async () => {
  const before = await settledClickCount(base);
  const { page, errors } = await newPage();
  await page.goto(base + "/?q=" + encodeURIComponent("bình tân"));
  await page.locator(".hit-title").first().click();
  await page.locator("#article:not([hidden])").waitFor();
  const after = await clickCountAfter(base, before);
  assert.equal(after, before + 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test("article text is shown as text: a <script> title runs nothing", { skip }, async () => {
  const { page, errors } = await newPage();
  let dialogs = 0;
  page.on("dialog", async (d) => { dialogs += 1; await d.dismiss(); });
  await page.goto(base + "/?q=script");
  await page.locator(".hit").first().waitFor();
  const titles = await page.locator(".hit-title").allTextContents();
  assert.ok(titles.some((t) => t.includes("<script>alert(1)</script>")), `titles: ${titles}`);
  await page.locator(".hit-title", { hasText: "<script>" }).first().click();
  await page.locator("#article-body p").first().waitFor();
  assert.match(await page.locator("#article-body").textContent(), /<b>in đậm<\/b>/);
  assert.equal(dialogs, 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("words typed together are read as Bình Tân, and one click searches them as typed", { skip }, async () => {
  const { page, errors } = await newPage();
  await page.goto(base + "/");
  await page.locator("#q").fill("binhtan");
  await page.locator("#q").press("Enter");
  await page.waitForURL(/q=binhtan/);
  await page.locator("#corrected:not([hidden])").waitFor();
  assert.match(await page.locator("#corrected").textContent(), /Kết quả cho Bình Tân/);
  const titles = await page.locator(".hit-title").allTextContents();
  assert.ok(titles.some((t) => t.includes("Bình Tân")), `titles: ${titles}`);
  await page.locator("#literal-search").click();
  await page.waitForURL(/literal=1/);
  await page.locator("#corrected").waitFor({ state: "hidden" });
  await page.waitForFunction(() => /Không tìm thấy/.test(document.querySelector("#total").textContent));
  // A new query reads words again.
  await page.locator("#q").fill("ho chi mnh");
  await page.locator("#q").press("Enter");
  await page.waitForURL((url) => !url.search.includes("literal"));
  await page.locator("#corrected:not([hidden])").waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test("filters, paging and the URL state work on a phone-sized screen", { skip }, async () => {
  const { page, errors } = await newPage(390);
  await page.goto(base + "/?q=&sort=date");
  await page.locator(".hit").first().waitFor();
  const firstPage = await page.locator(".hit-title").allTextContents();
  await page.locator("#pager button", { hasText: "Trang sau" }).click();
  await page.waitForURL(/page=2/);
  await page.waitForFunction((first) => document.querySelector(".hit-title")?.textContent !== first, firstPage[0]);
  const secondPage = await page.locator(".hit-title").allTextContents();
  assert.notDeepEqual(secondPage, firstPage);
  await page.selectOption("#category", { index: 1 });
  await page.waitForURL(/category=/);
  await page.locator(".hit").first().waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 400, `page is ${width}px wide on a 390px screen`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the timeline draws; a bar filters the list and the URL; two queries compare", { skip }, async () => {
  const { page, errors } = await newPage();
  await page.goto(base + "/?q=" + encodeURIComponent("quận"));
  await page.locator(".hit").first().waitFor();
  await page.locator("#timeline g[data-i] rect.bar").first().waitFor();
  const bars = await page.locator("#timeline g[data-i]").count();
  assert.ok(bars >= 2, `${bars} bars`);
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/timeline.png` });
  // The tallest bar: its dates become the filter, in the URL and the list.
  const tallest = await page.evaluate(() => {
    let best = null, height = -1;
    for (const g of document.querySelectorAll("#timeline g[data-i]")) {
      const h = Number(g.querySelector("rect.bar").getAttribute("height"));
      if (h > height) { height = h; best = g; }
    }
    return { i: Number(best.dataset.i), start: best.dataset.start, end: best.dataset.end };
  });
  const box = await page.locator(`#timeline g[data-i="${tallest.i}"] rect.slot`).boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height - 2);
  await page.waitForURL((url) => url.searchParams.get("from") === tallest.start && url.searchParams.get("to") === tallest.end);
  await page.locator('#results[aria-busy="false"] .hit').first().waitFor();
  const dates = await page.locator(".hit .hit-meta").allTextContents();
  const [fy, fm, fd] = tallest.start.split("-").map(Number), [ty, tm, td] = tallest.end.split("-").map(Number);
  const lo = Date.UTC(fy, fm - 1, fd), hi = Date.UTC(ty, tm - 1, td);
  for (const meta of dates) {
    const m = meta.match(/(\d+)\/(\d+)\/(\d{4})/);
    assert.ok(m, `no date in "${meta}"`);
    const t = Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]));
    assert.ok(t >= lo && t <= hi, `${meta} outside ${tallest.start}..${tallest.end}`);
  }
  assert.equal(await page.locator("#from").inputValue(), tallest.start);
  // Drag across bars: a range.
  await page.goto(base + "/?q=" + encodeURIComponent("quận"));
  await page.locator("#timeline g[data-i] rect.bar").first().waitFor();
  const n = await page.locator("#timeline g[data-i]").count();
  const first = await page.locator('#timeline g[data-i="0"] rect.slot').boundingBox();
  const last = await page.locator(`#timeline g[data-i="${n - 1}"] rect.slot`).boundingBox();
  await page.mouse.move(first.x + 1, first.y + 10);
  await page.mouse.down();
  await page.mouse.move(last.x + last.width / 2, last.y + 10, { steps: 5 });
  await page.mouse.up();
  await page.waitForURL((url) => url.searchParams.get("from") && url.searchParams.get("to"));
  const url = new URL(page.url());
  assert.ok(url.searchParams.get("from") < url.searchParams.get("to"));
  // Compare: one series per query, a legend.
  await page.goto(base + "/?q=" + encodeURIComponent("quận") + "&cmp=" + encodeURIComponent("mưa, học sinh"));
  await page.locator("#timeline-legend span").first().waitFor();
  assert.equal(await page.locator("#timeline-legend span").count(), 3);
  const colors = await page.evaluate(() => new Set([...document.querySelectorAll("#timeline rect.bar")].map((r) => r.getAttribute("fill"))).size);
  assert.equal(colors, 3);
  assert.deepEqual(errors, []);
  await page.close();
});

test("Ngữ cảnh: every occurrence with the keyword aligned in one column, sortable", { skip }, async () => {
  const { page, errors } = await newPage();
  await page.goto(base + "/?q=" + encodeURIComponent("quận"));
  await page.locator(".hit").first().waitFor();
  await page.locator("#tab-kwic").click();
  await page.waitForURL(/view=kwic/);
  await page.locator("#kwic-table tr.line").first().waitFor();
  assert.match(await page.locator("#total").textContent(), /lần xuất hiện trong \d+ bài/);
  const lefts = await page.locator("#kwic-table td.match").evaluateAll((cells) => cells.map((c) => Math.round(c.getBoundingClientRect().left)));
  assert.ok(lefts.length >= 10, `${lefts.length} lines`);
  assert.equal(new Set(lefts).size, 1, `keyword column not aligned: ${[...new Set(lefts)]}`);
  const matches = await page.locator("#kwic-table td.match").allTextContents();
  assert.ok(matches.every((m) => fold(m) === "quan"), `matches: ${matches.slice(0, 5)}`);
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/kwic.png` });
  await page.selectOption("#kwic-sort", "right");
  await page.waitForURL(/ksort=right/);
  await page.waitForFunction(() => document.querySelectorAll("#kwic-table tr.line").length > 0);
  const csv = await page.locator("#kwic-csv").getAttribute("href");
  const res = await page.request.get(base + csv);
  assert.equal(res.status(), 200);
  assert.match(await res.text(), /^id,published,title,left,match,right\n/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("an article opened from a search marks every occurrence and steps through them; the feed link works", { skip }, async () => {
  const { page, errors } = await newPage();
  await page.goto(base + "/?q=" + encodeURIComponent("\"Bình Tân\""));
  await page.locator(".hit").first().waitFor();
  const feed = await page.locator("#feed-link").getAttribute("href");
  const res = await page.request.get(base + feed);
  assert.equal(res.status(), 200);
  assert.match(await res.text(), /<feed xmlns="http:\/\/www.w3.org\/2005\/Atom"/);
  await page.locator(".hit-title").first().click();
  await page.locator("#marks-nav:not([hidden])").waitFor();
  const marks = await page.locator("#article mark[data-n]").count();
  assert.ok(marks >= 1);
  assert.ok(page.url().includes("q=") && page.url().includes("#/a/"), page.url());
  await page.locator("#mark-next").click();
  assert.equal(await page.locator("#article mark.current").getAttribute("data-n"), "0");
  assert.match(await page.locator("#marks-count").textContent(), new RegExp(`1/${marks}`));
  await page.locator("#mark-prev").click();
  assert.equal(await page.locator("#article mark.current").getAttribute("data-n"), String(marks - 1));
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/article-marks.png` });
  // The address is stable: opened again, the same marks.
  const again = await browser.newPage();
  await again.goto(page.url());
  await again.locator("#marks-nav:not([hidden])").waitFor();
  assert.equal(await again.locator("#article mark[data-n]").count(), marks);
  await again.close();
  assert.deepEqual(errors, []);
  await page.close();
});
