// The clicks /stats counts, for the tests of click beacons (page and widget).
import assert from "node:assert/strict";

export async function clickCount(base) {
  const res = await fetch(`${base}/stats`, { headers: { Authorization: `Bearer ${process.env.EDITOR_TOKEN}` } });
  assert.equal(res.status, 200);
  return (await res.json()).clicks;
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

// The count once it holds still: earlier tests open articles too, and clicks
// are written in batches (every 500 ms), so one may still be on its way.
export async function settledClickCount(base) {
  let count = await clickCount(base);
  for (let i = 0; i < 20; i++) {
    await pause(700);
    const now = await clickCount(base);
    if (now === count) break;
    count = now;
  }
  return count;
}

// The count once it has moved past `before` (10 s at most).
export async function clickCountAfter(base, before) {
  let count = before;
  for (let i = 0; i < 50 && count === before; i++) {
    await pause(200);
    count = await clickCount(base);
  }
  return count;
}
