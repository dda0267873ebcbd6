// Lifecycle: prepare the run once, gate scenarios on settings and capabilities, keep the evidence,
// and tear down after every scenario, at the end of the run and on Ctrl-C.
// With `--parallel N` cucumber runs scenarios in N worker threads, each with its own copy of every module,
// and the run-level hooks marked COORDINATOR once in the main thread: it prepares the run (engine check,
// sweep, images, capability probe) and hands it to the workers, owns Ctrl-C (threads get no signals), and
// gathers the workers' records at the end. A serial run runs both kinds of hook in its one thread.
import {
  After,
  AfterAll,
  Before,
  BeforeAll,
  BeforeStep,
  Status,
  setParallelCanAssign,
  type HookTarget,
  setDefaultTimeout,
  type ITestCaseHookParameter,
  type ITestStepHookParameter,
} from '@cucumber/cucumber';
// Registers Allure's runtime so that the allure-js-commons facade reaches the report.
import 'allure-cucumberjs';
import * as allure from 'allure-js-commons';
import { missingCapabilities } from './capabilities';
import { RUN, slug } from './cluster/labels';
import { engineAddress } from './cluster/engine';
import { forEachEngine } from './cluster/engines';
import { interruptRun } from './cluster/interrupt';
import { removeRun, removeRunUntilEmpty } from './cluster/teardown';
import { reaper } from './cluster/reaper';
import { attachJson, attachText } from './evidence/attach';
import { gatherScenarioRecords, recordScenario, writeRunEvidence, writeRunMetadata, writeScenarioRecords } from './evidence/run-metadata';
import { enginesOf, factsOf, handOver, joinRun, prepareRun, runDir, suite, takeOver, type PreparedRun } from './suite';
import { canAssign } from './parallel';
import { rm } from 'node:fs/promises';
import type { HyperscaleWorld } from './world';

setParallelCanAssign(canAssign);

// Steps wait with their own deadlines; this is the outer bound for one step, topology start included.
setDefaultTimeout(180_000);

const runStartedAt = new Date();
let interrupted = false;
function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) return;
  interrupted = true;
  process.stderr.write(`\n[hyperscale] ${signal}: removing this run's containers and networks…\n`);
  // Parallel workers are threads that got no signal: they stop creating first (interrupt.ts).
  interruptRun(signal);
  forEachEngine(enginesOf(prepared), () => removeRunUntilEmpty())
    .then((all) => {
      const [containers, networks] = [all.reduce((n, r) => n + r.containers, 0), all.reduce((n, r) => n + r.networks, 0)];
      process.stderr.write(`[hyperscale] removed ${containers} containers and ${networks} networks\n`);
    })
    .catch((e: Error) => process.stderr.write(`[hyperscale] cleanup failed: ${e.message}; the next run sweeps what is left\n`))
    .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
}

// cucumber 13's ESM entry (lib/wrapper.mjs) does not re-export the HookTarget enum its types declare.
const COORDINATOR = 'COORDINATOR' as HookTarget.COORDINATOR;

/** The coordinator's prepared run; undefined in a worker thread, which takes it over from the file. */
let prepared: PreparedRun | undefined;

BeforeAll({ timeout: 300_000, on: COORDINATOR }, async function () {
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  prepared = await prepareRun();
  await handOver(prepared);
  await writeRunEvidence(factsOf(prepared));
});

BeforeAll({ timeout: 60_000 }, async function () {
  await joinRun(prepared ?? (await takeOver()));
});

let scenarioCount = 0;

Before({ name: 'gate and name the scenario' }, async function (this: HyperscaleWorld, { pickle }: ITestCaseHookParameter) {
  // Workers share the run id, so their scenario ids (in container names and labels) name the worker.
  this.scenarioId = `${RUN.worker === undefined ? '' : `w${RUN.worker}-`}${++scenarioCount}-${slug(pickle.name, 30)}`;
  this.scenarioName = pickle.name;
  // Epic = the capability folder (features/<capability>/…); the formatter only reads tags.
  const folder = /features\/([^/]+)\//.exec(pickle.uri)?.[1];
  if (folder) await allure.epic(folder);
  const { settings, containers } = suite();
  if (!containers) {
    const reason = 'Skipped: OMNIRELAY_HYPERSCALE_CONTAINERS=false disables container scenarios.';
    await attachText(this, 'skipped', reason);
    await allure.tag('containers disabled');
    return 'skipped';
  }
  const missing = missingCapabilities(
    pickle.tags.map((t) => t.name),
    containers.capabilities,
  );
  if (missing.length > 0) {
    const reason = `Skipped: the image under test (${containers.images.relayNode.ref}) lacks capability ${missing.join(', ')} (from /omnirelay/introspect).`;
    process.stderr.write(`[hyperscale] ${pickle.name}: ${reason}\n`);
    await attachText(this, 'skipped', reason);
    for (const capability of missing) await allure.tag(`lacks ${capability}`);
    return 'skipped';
  }
  if (settings.defect) this.log(`relay nodes seeded with defect: ${settings.defect}`);
  return undefined;
});

/** Verdicts are named by the step that reached them, as the author wrote it. */
BeforeStep(function (this: HyperscaleWorld, { pickleStep }: ITestStepHookParameter) {
  this.verdicts.step = pickleStep.text;
});

After({ name: 'evidence and teardown' }, async function (this: HyperscaleWorld, { pickle, result }: ITestCaseHookParameter) {
  recordScenario({
    name: pickle.name,
    uri: pickle.uri,
    scenarioId: this.scenarioId,
    status: result?.status ?? 'UNKNOWN',
    startedAt: new Date(this.clock.startedAtWall).toISOString(),
    finishedAt: new Date().toISOString(),
    ...(this.hasCluster
      ? {
          topology: this.cluster.topology.name,
          clusterId: this.cluster.topology.clusterId,
          network: this.cluster.network.name,
          engine: engineAddress(),
          containers: [...this.cluster.etcd.map((m) => m.containerId), ...this.cluster.relayNodes.map((n) => n.containerId)],
        }
      : {}),
  });
  if (!this.hasCluster) return;
  const cluster = this.cluster;
  const failed = result?.status === Status.FAILED;
  // Judge the guard on what the scenario itself did, before the hook heals what it left open.
  const unjudged = result?.status === Status.PASSED ? unjudgedFaults(this) : undefined;
  await this.clients.stop();
  const leftOpen = await this.faults.healAll();
  if (leftOpen.length > 0) this.log(`After hook healed: ${leftOpen.map((f) => `${f.name} on ${f.target}`).join(', ')}`);
  try {
    const [leaders, peers] = await Promise.all([
      this.leaderViews().catch((e: Error) => ({ error: e.message })),
      this.peerViews().catch((e: Error) => ({ error: e.message })),
    ]);
    await attachJson(this, 'final-leaders-by-node', leaders instanceof Map ? Object.fromEntries(leaders) : leaders);
    await attachJson(this, 'final-peers-by-node', peers instanceof Map ? Object.fromEntries(peers) : peers);
    await attachJson(this, 'enrollments', cluster.bootstrap.enrollments);
    await this.attach(this.timelineSvg(), { mediaType: 'image/svg+xml', fileName: 'timeline.svg' });
    await attachJson(this, 'history', {
      ops: this.history.ops,
      faults: this.faults.all,
      verdicts: this.verdicts.all,
      leadershipEvents: this.leadershipWatch.observations,
      leadersPolls: this.leadershipWatch.snapshots,
    });
    if (failed) {
      for (const [id, text] of Object.entries(await cluster.logs())) await attachText(this, `log-${id}`, text);
    }
  } finally {
    if (failed && suite().settings.keepOnFailure) {
      process.stderr.write(`[hyperscale] keeping containers of ${this.scenarioId} (OMNIRELAY_HYPERSCALE_KEEP_ON_FAILURE)\n`);
    } else {
      await this.stopTopology();
    }
  }
  if (unjudged) throw new Error(unjudged);
});

/**
 * A scenario that injected faults must reach a checker verdict after the last fault healed; otherwise it
 * proved nothing about recovery (cucumber-js's own suite fails a scenario whose error nobody checked).
 */
function unjudgedFaults(world: HyperscaleWorld): string | undefined {
  if (!world.faults.anyInjected) return undefined;
  const open = world.faults.open.map((f) => `${f.record.name} on ${f.record.target}`);
  if (open.length > 0)
    return `Unjudged faults: ${open.join(', ')} never healed within the scenario; heal them (e.g. restart crashed nodes) and then check the outcome.`;
  const healedAt = world.faults.lastHealedMs ?? 0;
  if (world.verdicts.all.some((v) => v.atMs >= healedAt)) return undefined;
  return `Unjudged faults: the last fault healed at ${(healedAt / 1000).toFixed(2)} s but no checker verdict was recorded afterwards; end the scenario with a checker step (e.g. "Then no scope ever had two leaders").`;
}

// AfterAll hooks run in reverse order: every worker's (below) before the coordinator's.
AfterAll({ timeout: 300_000, on: COORDINATOR }, async function () {
  const facts = prepared && factsOf(prepared);
  const { records, workers } = await gatherScenarioRecords(runDir());
  await writeRunMetadata(facts, runStartedAt, records, workers);
  await rm(runDir(), { recursive: true, force: true });
  if (facts?.containers && !facts.settings.keepOnFailure) await forEachEngine(enginesOf(prepared), () => removeRun());
});

AfterAll({ timeout: 300_000 }, async function () {
  const waitStarted = Date.now();
  const { reaped, failures } = await reaper.drain();
  if (reaped.length > 0) {
    const seconds = reaped.map((r) => r.ms / 1000).sort((a, b) => a - b);
    process.stderr.write(
      `[hyperscale] ${RUN.worker === undefined ? '' : `worker ${RUN.worker}: `}background removal: ${reaped.length} scenarios, median ${seconds[Math.floor(seconds.length / 2)]!.toFixed(1)} s each, ` +
        `the run waited ${((Date.now() - waitStarted) / 1000).toFixed(1)} s for the last${failures.length ? `; ${failures.length} failed (removed below)` : ''}\n`,
    );
  }
  await writeScenarioRecords(runDir(), RUN.worker ?? 'serial');
});
