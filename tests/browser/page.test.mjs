// The search page in headless Chromium against a real tracuu-server that has
// indexed corpus/. TRACUU_URL is the server (scripts/test.sh starts one);
// without it the tests are skipped. SCREENSHOT_PATH, if set, gets a screenshot.
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
  await page.locator(".hit").first().waitFor();
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
