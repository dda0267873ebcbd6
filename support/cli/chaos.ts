// `npm run chaos:compose | chaos:kubernetes | chaos:up | chaos:down | chaos:collect` and `npm run chaos --
// <fault> | run | heal | faults | status`: the long-lived chaos environment and its fault CLI
// (docs/chaos-environment.md). The first argument picks the command; a fault name is a command too.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Topology } from '../../topologies';
import { assertEngineReachable } from '../cluster/engine';
import { collect } from '../chaos/env/collect';
import { CHAOS_PROJECT } from '../chaos/env/compose';
import { CONTROL_URL, findEnvironment, GRAFANA_URL, PROMETHEUS_URL, serviceUrl, servicesOf } from '../chaos/env/environment';
import { CHAOS_DIR, DEFAULT_CHAOS_TOPOLOGY, generate, generateKubernetes, writeGenerated } from '../chaos/env/files';
import { describePlan, loadExperiment } from '../chaos/env/gameday/experiment';
import { prepareNetfaults, topologyOf } from '../chaos/env/gameday/engine';
import { healEverything } from '../chaos/env/gameday/heal-all';
import { FAULT_NAMES, faultName, parseRequest, type FaultRequest } from '../chaos/env/gameday/requests';
import { runGameDay } from '../chaos/env/gameday/run';
import { plannedTargets } from '../chaos/env/gameday/targets';
import { chaosDown, chaosUp } from '../chaos/env/lifecycle';
import { failUsage, parseFlags, usageExit, wholeNumber } from './flags';

const USAGE = `usage:
  npm run chaos:compose [-- --topology <name>] [--nodes-per-region N]
      writes the compose file, Prometheus's scrape config and the proxy routes for a topology
      (default ${DEFAULT_CHAOS_TOPOLOGY} into docker/chaos/, committed; others into reports/chaos/env/<name>/)
  npm run chaos:kubernetes [-- --topology <name>] [--nodes-per-region N] [--namespace <ns>] [--out <dir>]
      writes the Kubernetes manifests (a kustomize base) for a topology (default: docker/chaos/kubernetes/base, committed)
  npm run chaos:up [-- --topology <name>] [--nodes-per-region N] [--defect <name>]
      builds or reuses the images, tags them :chaos, starts the environment and waits until it is ready
  npm run chaos:collect [-- --scenario "<what ran>"] [--experiment <file>] [--since <ISO time>]
      packages logs, metrics, leaders, peers, shard maps and the fault log into reports/chaos/<name>.tar.gz
  npm run chaos:down
      removes every container, network and volume of the environment (also after a killed CLI)
  npm run chaos -- status
      what is running and where
  npm run chaos -- <fault> [--target <words>] [--duration "30 s"] [--intensity <value>] [--jitter "50 ms"] [--rate "1/s"] [--via <node>] [--dry-run]
      one bounded fault against the running environment, healed at its end and on Ctrl-C
  npm run chaos -- run <experiment.yaml> [--dry-run]
      a game day: faults chained with offsets and durations (docs/chaos-environment.md)
  npm run chaos -- heal
      heals whatever a killed CLI left active
  npm run chaos -- faults
      the fault catalog`;

const log = (line: string) => console.log(`[chaos] ${line}`);

/** The plan with what each fault acts on, against the running environment's topology (else the committed default's). */
async function printPlan(steps: readonly FaultRequest[]): Promise<void> {
  const env = await findEnvironment().catch(() => undefined);
  const topology = env ? topologyOf(env) : (JSON.parse(readFileSync(join(CHAOS_DIR, 'topology.json'), 'utf8')) as Topology);
  log(`plan against topology ${topology.name}${env ? ' (running)' : ` (${relative(process.cwd(), CHAOS_DIR)}; no environment is running)`}:`);
  const lines = describePlan(steps);
  steps.forEach((s, i) => log(`  ${lines[i]}  →  ${plannedTargets(topology, s.fault)}`));
}

async function gameDay(steps: Parameters<typeof runGameDay>[0]): Promise<void> {
  const result = await runGameDay(steps, log);
  log(`${result.started} of ${steps.length} fault(s) ran and were healed${result.failures.length ? `; ${result.failures.length} failed:` : ''}`);
  for (const f of result.failures) log(`  ${f}`);
  if (result.failures.length) process.exitCode = 1;
}
const [command, ...rest] = process.argv.slice(2);

try {
  switch (command) {
    case 'compose': {
      const { values } = usageExit('chaos:compose', USAGE, () => parseFlags(rest, { topology: { type: 'string' }, 'nodes-per-region': { type: 'string' } }));
      const perRegion = values['nodes-per-region'] === undefined ? undefined : wholeNumber('nodes-per-region', values['nodes-per-region'], 0, { max: 20 });
      const g = generate(values.topology ?? DEFAULT_CHAOS_TOPOLOGY, perRegion);
      for (const file of await writeGenerated(g)) log(`wrote ${file}`);
      break;
    }
    case 'kubernetes': {
      const { values } = usageExit('chaos:kubernetes', USAGE, () =>
        parseFlags(rest, { topology: { type: 'string' }, 'nodes-per-region': { type: 'string' }, namespace: { type: 'string' }, out: { type: 'string' } }),
      );
      const perRegion = values['nodes-per-region'] === undefined ? undefined : wholeNumber('nodes-per-region', values['nodes-per-region'], 0, { max: 20 });
      if (values.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(values.namespace))
        failUsage(
          'chaos:kubernetes',
          USAGE,
          `--namespace ${JSON.stringify(values.namespace)}: a namespace is a DNS label (lowercase letters, digits, dashes; at most 63)`,
        );
      const k = generateKubernetes(values.topology ?? DEFAULT_CHAOS_TOPOLOGY, perRegion, values.namespace, values.out);
      for (const file of await writeGenerated(k)) log(`wrote ${file}`);
      log(`apply: kubectl apply -k ${relative(process.cwd(), k.dir)} (docs/chaos-environment.md, "On Kubernetes")`);
      break;
    }
    case 'up': {
      const { values } = usageExit('chaos:up', USAGE, () =>
        parseFlags(rest, { topology: { type: 'string' }, 'nodes-per-region': { type: 'string' }, defect: { type: 'string' } }),
      );
      const perRegion = values['nodes-per-region'] === undefined ? undefined : wholeNumber('nodes-per-region', values['nodes-per-region'], 0, { max: 20 });
      await assertEngineReachable();
      const up = await chaosUp({ topology: values.topology, nodesPerRegion: perRegion, defect: values.defect, log });
      const nodes = servicesOf(up.env, 'relay-node');
      log(
        `ready in ${(up.ms / 1000).toFixed(1)} s: topology ${up.generated.topology.name}, ${nodes.length} relay nodes${values.defect ? `, seeded defect ${values.defect}` : ''}`,
      );
      log(`  Prometheus  ${PROMETHEUS_URL}  (alerts: ${PROMETHEUS_URL}/alerts)`);
      log(up.grafana ? `  Grafana     ${GRAFANA_URL}  (folder OmniRelay)` : '  Grafana     not started (no registry to pull it from)');
      log(`  control     ${CONTROL_URL}/faults`);
      for (const n of nodes) log(`  ${n.service.padEnd(10)}  ${serviceUrl(up.env, n.service, 8080)}`);
      log('next: `npm run chaos -- <fault> …` for faults, `npm run chaos:collect` for the artifacts, `npm run chaos:down` to remove it');
      break;
    }
    case 'down': {
      usageExit('chaos:down', USAGE, () => parseFlags(rest, {}));
      await assertEngineReachable();
      const r = await chaosDown(log);
      log(`removed ${r.containers} container(s), ${r.networks} network(s) and ${r.volumes} volume(s) of ${CHAOS_PROJECT}`);
      break;
    }
    case 'collect': {
      const { values } = usageExit('chaos:collect', USAGE, () =>
        parseFlags(rest, { scenario: { type: 'string' }, experiment: { type: 'string' }, since: { type: 'string' } }),
      );
      const since = values.since === undefined ? undefined : new Date(values.since);
      if (since && Number.isNaN(since.getTime()))
        failUsage('chaos:collect', USAGE, `--since ${JSON.stringify(values.since)}: not an ISO-8601 time (e.g. 2026-12-06T10:00:00Z)`);
      await assertEngineReachable();
      const c = await collect({ scenario: values.scenario, experiment: values.experiment, since, log });
      log(`wrote ${c.path}: ${c.files.length} files, ${(c.files.reduce((n, f) => n + f.bytes, 0) / 1e6).toFixed(1)} MB`);
      for (const p of c.summary.problems as string[]) log(`  not collected: ${p}`);
      break;
    }
    case 'status': {
      await assertEngineReachable();
      const env = await findEnvironment();
      log(`${CHAOS_PROJECT}: topology ${env.topology}, started ${env.createdAt.toISOString()}, network ${env.network}`);
      for (const s of [...env.services.values()].sort((a, b) => a.service.localeCompare(b.service)))
        log(
          `  ${s.service.padEnd(14)} ${s.kind.padEnd(14)} ${s.state}${s.ports.size ? `  ${[...s.ports].map(([c, h]) => `127.0.0.1:${h}→${c}`).join(' ')}` : ''}`,
        );
      break;
    }
    case 'faults':
      for (const [name, what] of Object.entries(FAULT_NAMES)) console.log(`${name.padEnd(20)} ${what}`);
      break;
    case 'heal': {
      usageExit('chaos heal', USAGE, () => parseFlags(rest, {}));
      await assertEngineReachable();
      await prepareNetfaults(log);
      const done = await healEverything(log);
      log(done.length ? `healed ${done.length} thing(s)` : 'nothing to heal');
      break;
    }
    case 'run': {
      const { values, positionals } = usageExit('chaos run', USAGE, () =>
        parseFlags(rest, { 'dry-run': { type: 'boolean', default: false } }, { positionals: true }),
      );
      if (positionals.length !== 1) failUsage('chaos run', USAGE, `name one experiment file (got ${positionals.length})`);
      const experiment = loadExperiment(positionals[0]!);
      log(`experiment "${experiment.name}": ${experiment.steps.length} fault(s)`);
      await printPlan(experiment.steps);
      if (values['dry-run']) break;
      await assertEngineReachable();
      await gameDay(experiment.steps);
      break;
    }
    default: {
      if (!command || command === '--help' || command === 'help') {
        console.log(USAGE);
        break;
      }
      if (!faultName(command)) {
        console.error(`chaos: unknown command or fault "${command}"; faults: ${Object.keys(FAULT_NAMES).join(', ')}\n${USAGE}`);
        process.exitCode = 2;
        break;
      }
      const { values } = usageExit(`chaos ${command}`, USAGE, () =>
        parseFlags(rest, {
          target: { type: 'string' },
          duration: { type: 'string' },
          intensity: { type: 'string' },
          jitter: { type: 'string' },
          rate: { type: 'string' },
          via: { type: 'string' },
          'dry-run': { type: 'boolean', default: false },
        }),
      );
      const { 'dry-run': dryRun, ...raw } = values;
      const request = parseRequest({ fault: command, ...raw }, `chaos ${command}`);
      await printPlan([request]);
      if (dryRun) break;
      await assertEngineReachable();
      await gameDay([request]);
    }
  }
} catch (error) {
  console.error(`[chaos] ${(error as Error).message}`);
  // A bad fault request or experiment file is a bad command line: exit 2, as usage errors do.
  process.exitCode = ['TableError', 'MemberError', 'ExperimentError', 'TopologyError', 'ChaosInputError'].includes((error as Error).name) ? 2 : 1;
}
