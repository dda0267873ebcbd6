// `npm run report:check`: opens the Allure HTML report in headless Chromium and checks, the way a person
// would look at it, that the scenario's timeline picture (timeline.svg, attached in the After hook)
// renders, and that its JSON evidence is listed. One line per check; exits non-zero on any failure.
//   npm run report:check -- [--results=<dir>] [--report=<dir>] [--scenario=<name>]... [--screenshot=<file.png>]
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generateReport } from './report';
import { countResults, reportFreshness } from '../evidence/report-check/freshness';
import { countAttachmentsNamed } from '../evidence/report-check/results';
import { parseOptions, screenshotOf, USAGE, type ReportCheckOptions } from '../evidence/report-check/options';
import { usageExit } from './flags';
import {
  attachmentRow,
  expandAllSteps,
  inspectPicture,
  listedAttachments,
  openImagePreview,
  openTest,
  TEST_ID,
  type PictureFacts,
} from '../evidence/report-check/report-ui';
import { serveDirectory, type StaticServer } from '../evidence/report-check/static-server';

const TIMELINE = 'timeline.svg';
const DEADLINE_MS = 60_000;
const STEP_TIMEOUT_MS = 8_000;
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A failure after which the remaining checks cannot run. */
class Stop extends Error {}

const started = Date.now();
let passed = 0;
let failed = 0;
/** Set when the deadline struck: the abandoned check may still run on for a moment, silently. */
let over = false;
const ok = (what: string) => {
  if (over) return;
  passed++;
  console.log(`ok  ${what}`);
};
const fail = (what: string, why: string) => {
  if (over) return;
  failed++;
  console.log(`FAIL ${what}: ${why}`);
};
const stop = (what: string, why: string): never => {
  fail(what, why);
  throw new Stop(why);
};
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.replace(/\s+/g, ' ').slice(0, 300);

let server: StaticServer | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
const pageErrors: string[] = [];
const openPage = (): Page => {
  if (!page) throw new Error('no page open');
  return page;
};

async function ensureReport(o: ReportCheckOptions): Promise<void> {
  const what = `report ${o.report} built from ${o.results}`;
  if ((await countResults(o.results)) === 0) stop(what, `no Allure test results in ${o.results}: run npm run bdd first`);
  const fresh = await reportFreshness(o.results, o.report);
  if (!fresh.build) return ok(`${what} (up to date: ${fresh.why})`);
  const t = Date.now();
  const { code, stdout } = await generateReport(o.results, o.report, false);
  if (code !== 0) stop(what, `allure generate exited ${code}${stdout.trim() ? `: ${stdout.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
  if (!existsSync(join(o.report, 'index.html'))) stop(what, `allure generate wrote no ${join(o.report, 'index.html')}`);
  ok(`${what} (rebuilt in ${secs(Date.now() - t)}: ${fresh.why})`);
}

/** The report's tests by name, each with its result id (the report links a test as `#<id>`). */
async function knownTests(report: string): Promise<Map<string, string>> {
  try {
    const byId = (JSON.parse(await readFile(join(report, 'test-results.json'), 'utf8')) as { byId?: Record<string, { name?: string }> }).byId ?? {};
    return new Map(Object.entries(byId).map(([id, t]) => [t.name ?? '?', id]));
  } catch {
    return new Map();
  }
}

async function check(o: ReportCheckOptions): Promise<void> {
  await ensureReport(o);

  server = await serveDirectory(o.report);
  ok(`report served at ${server.url}`);

  if (!existsSync(o.chromium)) {
    stop(
      'Chromium',
      `${o.chromium} does not exist: install Debian's Chromium (sudo apt-get install chromium) or point CHROMIUM_PATH at a Chromium/Chrome binary`,
    );
  }
  try {
    browser = await chromium.launch({ executablePath: o.chromium, headless: true, args: CHROMIUM_ARGS, timeout: 15_000 });
  } catch (e) {
    stop('Chromium', `could not launch ${o.chromium} (${errorText(e)}); install Debian's Chromium (sudo apt-get install chromium) or set CHROMIUM_PATH`);
  }
  ok(`Chromium ${browser!.version()} launched headless (${o.chromium})`);

  // launch() gives a fresh, empty profile; the context only talks to our server (the report's analytics
  // script and anything else off-host are refused, so the check is offline and quick).
  const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 2, serviceWorkers: 'block' });
  const origin = server.url;
  await context.route('**/*', (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort('blockedbyclient')));
  page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('pageerror', (e) => pageErrors.push(errorText(e)));

  try {
    await page.goto(origin, { waitUntil: 'domcontentloaded' });
    await page.getByTestId(TEST_ID.search).waitFor();
  } catch (e) {
    stop('report UI loads', `${errorText(e)}${pageErrors.length ? `; page errors: ${pageErrors.join(' | ')}` : ''}`);
  }
  ok(`report UI loaded ("${(await page.title()).trim()}")`);

  const pictures: { scenario: string; pic: PictureFacts }[] = [];
  for (const scenario of o.scenarios) pictures.push({ scenario, pic: await checkTimeline(o, origin, scenario) });

  // Across the pictures: client operations and elections shown, and overlapping faults kept readable —
  // each fault in a lane of its own (labels never print over each other), the nodes they took down or
  // cut off on lanes of their own, and a legend.
  const contentWhat = `${TIMELINE} shows client operations and elections`;
  const counts = pictures
    .map(
      ({ scenario, pic }) =>
        `${scenario}: ${pic.ops} .op (ok ${pic.opsByOutcome.ok}, fail ${pic.opsByOutcome.fail}, info ${pic.opsByOutcome.info}), ${pic.elections} .election, ${pic.leases} .lease, ${pic.faultWindows} .fault-window`,
    )
    .join('; ');
  if (pictures.some(({ pic }) => pic.ops >= 1) && pictures.every(({ pic }) => pic.elections >= 1)) ok(`${contentWhat} (${counts})`);
  else fail(contentWhat, `needs ≥1 .op in some picture and ≥1 .election in each; has ${counts}`);

  const lanesWhat = `${TIMELINE} gives every fault and every node it touched a lane, with a legend`;
  const faulty = pictures.filter(({ pic }) => pic.faultWindows >= 2);
  const lanes = faulty
    .map(
      ({ scenario, pic }) =>
        `${scenario}: ${pic.faultLanes.length} .fault-lane (${new Set(pic.faultLanes).size} distinct lanes) for ${pic.faultWindows} .fault-window; node lanes: ${pic.nodeStates.join(', ') || 'none'}; legend ${pic.legend ? 'present' : 'missing'}`,
    )
    .join('; ');
  const readable = ({ pic }: { pic: PictureFacts }) =>
    pic.faultLanes.length === pic.faultWindows && new Set(pic.faultLanes).size === pic.faultWindows && pic.nodeStates.length >= 1 && pic.legend;
  if (faulty.length > 0 && faulty.every(readable)) ok(`${lanesWhat} (${lanes})`);
  else
    fail(
      lanesWhat,
      `needs a picture with ≥2 overlapping faults, one distinct .fault-lane per .fault-window, ≥1 .node-state and a .legend; has ${lanes || 'no picture with 2 faults'}`,
    );
}

/** Opens `scenario`'s test and its timeline picture, checks it renders as that scenario's timeline, and screenshots it. */
async function checkTimeline(o: ReportCheckOptions, origin: string, scenario: string): Promise<PictureFacts> {
  const page = openPage();
  const testWhat = `test "${scenario}" found in the results tree and opened`;
  const known = await knownTests(o.report);
  const id = known.get(scenario);
  if (!id) stop(testWhat, `no test with that name; the report has: ${[...known.keys()].join(', ') || '(none)'}`);
  try {
    // From the tree: a test page opened before has no search field.
    await page.goto(origin, { waitUntil: 'domcontentloaded' });
    await page.getByTestId(TEST_ID.search).waitFor();
    await openTest(page, scenario, new URL(`#${id}`, origin).href);
    ok(testWhat);
  } catch (e) {
    fail(testWhat, errorText(e));
    await snapshotFailure(o, scenario);
    throw new Stop('test not opened');
  }

  await expandAllSteps(page);
  // Rows render right after the clicks; give a slow render a moment before deciding the picture is not listed.
  await attachmentRow(page, TIMELINE)
    .waitFor({ timeout: 2_000 })
    .catch(() => undefined);
  const listed = await listedAttachments(page);
  const names = listed.map((a) => a.name);
  const summary = `${listed.length} attachments on the page${listed.length ? `: ${names.join(', ')}` : ''}`;

  const topology = names.filter((n) => /^topology-.+\.json$/.test(n));
  if (topology.length > 0) ok(`attachment ${topology.join(', ')} listed`);
  else fail('attachment topology-*.json listed', `none; ${summary}`);

  if (names.includes('final-leaders-by-node.json')) ok('attachment final-leaders-by-node.json listed');
  else fail('attachment final-leaders-by-node.json listed', `missing; ${summary}`);

  const timelineWhat = `attachment ${TIMELINE} listed`;
  const timeline = listed.filter((a) => a.name === TIMELINE);
  if (timeline.length === 0) {
    const teardown = listed.filter((a) => a.section === 'teardown').map((a) => a.name);
    const recorded = await countAttachmentsNamed(o.results, TIMELINE);
    stop(
      timelineWhat,
      `the test page lists no ${TIMELINE} (${listed.length} attachments; tear down has ${teardown.length ? teardown.join(', ') : 'none'}). ` +
        (recorded === 0
          ? `${o.results} records no ${TIMELINE} either: the run did not attach it (After hook "evidence and teardown", support/hooks.ts)`
          : `Yet ${o.results} records ${recorded}: the report does not show it (rebuild it: delete ${o.report})`),
    );
  }
  const first = timeline[0]!;
  ok(
    `${timelineWhat} (${first.section === 'teardown' ? 'tear down' : first.section}, ${first.type ?? 'no media type shown'}${timeline.length > 1 ? `, ${timeline.length} of them: checking the first` : ''})`,
  );
  if (first.type !== 'image/svg+xml') fail(`${TIMELINE} has media type image/svg+xml`, `the report shows ${first.type ?? 'none'}`);

  const row = attachmentRow(page, TIMELINE);
  const preview = await openImagePreview(row, STEP_TIMEOUT_MS);
  if (!('img' in preview)) {
    fail(
      `${TIMELINE} opens as a picture`,
      `no <img> in [data-testid="${TEST_ID.imageContent}"] after opening the row; it shows: "${preview.shown.slice(0, 200)}"`,
    );
    await snapshotFailure(o, scenario);
    throw new Stop('no picture');
  }
  const pic = await inspectPicture(preview.img);
  ok(`${TIMELINE} opens as a picture (<img> of a ${pic.blobType || 'untyped'} blob, ${pic.bytes} bytes)`);

  const drawnWhat = `${TIMELINE} picture renders`;
  if (!pic.complete || pic.decodeError || pic.naturalWidth === 0 || pic.naturalHeight === 0) {
    fail(
      drawnWhat,
      `the browser did not decode it (complete=${pic.complete}, natural size ${pic.naturalWidth}×${pic.naturalHeight}${pic.decodeError ? `, ${pic.decodeError}` : ''})`,
    );
  } else if (pic.shownWidth === 0 || pic.shownHeight === 0) {
    fail(drawnWhat, `decoded at ${pic.naturalWidth}×${pic.naturalHeight} but shown at ${pic.shownWidth}×${pic.shownHeight}`);
  } else if (pic.canvasError || pic.inkPixels < 100) {
    fail(drawnWhat, pic.canvasError ? `could not read its pixels back (${pic.canvasError})` : `it is blank: ${pic.inkPixels} non-white pixels`);
  } else {
    ok(
      `${drawnWhat} (natural ${pic.naturalWidth}×${pic.naturalHeight}, shown ${pic.shownWidth}×${pic.shownHeight}, ${pic.inkPixels} drawn pixels in ${pic.inkColours} colours)`,
    );
  }

  const rootWhat = `${TIMELINE} is the scenario's timeline`;
  const wantTitle = `Timeline: ${scenario}`;
  if (pic.parseError) fail(rootWhat, `not well-formed SVG: ${pic.parseError}`);
  else if (pic.rootName !== 'svg' || pic.rootNamespace !== 'http://www.w3.org/2000/svg')
    fail(rootWhat, `root element is <${pic.rootName}> in namespace "${pic.rootNamespace}", not <svg xmlns="http://www.w3.org/2000/svg">`);
  else if (!pic.rootClass.split(/\s+/).includes('timeline')) fail(rootWhat, `root <svg> has class "${pic.rootClass}", not "timeline"`);
  else if (pic.title !== wantTitle) fail(rootWhat, `its <title> is "${pic.title}", not "${wantTitle}"`);
  else ok(`${rootWhat} (<svg class="timeline">, title "${pic.title}")`);

  await mkdir(dirname(screenshotOf(o, scenario)), { recursive: true });
  await row.scrollIntoViewIfNeeded();
  await row.screenshot({ path: screenshotOf(o, scenario) });
  ok(`screenshot of the opened timeline: ${screenshotOf(o, scenario)}`);
  return pic;
}

/** On a failure with the test open, a picture of what the page showed, next to the screenshot. */
async function snapshotFailure(o: ReportCheckOptions, scenario = 'page'): Promise<void> {
  if (!page) return;
  const path = screenshotOf(o, scenario).replace(/\.png$/i, '-failure.png');
  try {
    await mkdir(dirname(path), { recursive: true });
    await page.screenshot({ path, timeout: 5_000 });
    console.log(`     (what the page showed: ${path})`);
  } catch {
    // best effort
  }
}

const options: ReportCheckOptions = usageExit('report:check', USAGE, () => parseOptions(process.argv.slice(2), process.env));

let timer: NodeJS.Timeout | undefined;
const deadline = new Promise<never>((_, reject) => {
  timer = setTimeout(() => reject(new Error(`did not finish within ${secs(DEADLINE_MS)}`)), DEADLINE_MS);
});
try {
  await Promise.race([check(options), deadline]);
} catch (e) {
  if (!(e instanceof Stop)) {
    fail('report check', errorText(e));
    over = true;
    await snapshotFailure(options);
  }
} finally {
  clearTimeout(timer);
  await browser?.close().catch(() => undefined);
  await server?.close().catch(() => undefined);
}
if (failed > 0 && pageErrors.length > 0) console.log(`     page errors: ${pageErrors.join(' | ')}`);
console.log(
  failed === 0
    ? `report check passed: ${passed} checks in ${secs(Date.now() - started)}`
    : `report check FAILED: ${failed} failed, ${passed} passed, in ${secs(Date.now() - started)}`,
);
process.exit(failed === 0 ? 0 : 1);
