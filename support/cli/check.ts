// `npm run check [-- <feature files or folders>]`: the offline authoring check (support/check/). No
// Docker, a few seconds; exit 1 with one `file:line:col` line and its fix per problem, 0 when clean.
import { checkFeatures, renderProblems } from '../check/check';
import { loadSupportCode } from '../check/load';
import { parseFlags, usageExit } from './flags';
import { runWhenMain } from './run';

const USAGE = `usage: npm run check [-- <feature file or folder>...]
  Checks feature files without Docker: steps, topologies, members, regions, shards, traffic files,
  fault and group tables, @catches tags. Default: every feature of the suite (features/).`;

runWhenMain(import.meta.url, async (args) => {
  const { values, positionals } = usageExit('check', USAGE, () => parseFlags(args, { help: { type: 'boolean', short: 'h' } }, { positionals: true }));
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const started = Date.now();
  const { scenarios, problems } = await checkFeatures(await loadSupportCode(), positionals);
  if (problems.length === 0) {
    console.log(`check: ${scenarios} scenarios, no problems`);
    return 0;
  }
  console.log(renderProblems(problems));
  console.log(
    `\ncheck: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${scenarios} scenarios (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  return 1;
});
