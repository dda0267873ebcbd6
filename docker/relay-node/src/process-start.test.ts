import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportedStartTime } from "./process-start";

test("the first start is recorded; the real start is reported unless hidden-counter-reset is seeded", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "relay-started-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "relay-started-at");
  assert.equal(reportedStartTime({ hidden: false, file, realSeconds: 1000.5 }), 1000.5);
  assert.equal(readFileSync(file, "utf8").trim(), "1000.5", "recorded when absent");
  // A restart (same file, later start): the truth, or with the defect the first start.
  assert.equal(reportedStartTime({ hidden: false, file, realSeconds: 2000 }), 2000);
  assert.equal(reportedStartTime({ hidden: true, file, realSeconds: 2000 }), 1000.5);
  assert.equal(readFileSync(file, "utf8").trim(), "1000.5", "never overwritten");
  // First start with the defect: nothing recorded yet, so the real start.
  const fresh = join(dir, "fresh");
  assert.equal(reportedStartTime({ hidden: true, file: fresh, realSeconds: 3000 }), 3000);
  writeFileSync(file, "garbage\n");
  assert.equal(reportedStartTime({ hidden: true, file, realSeconds: 4000 }), 4000, "a malformed file is ignored");
});
