// The verdict-path gate: in the scenario layer (the World, its hooks, the nouns and the steps) every
// judgement and every wait goes through support/scenario/verdicts.ts, so each check is recorded and the
// After hook can tell a judged scenario from an unjudged one. A chai import or a bare `eventually()` call
// anywhere else there is a check that fails without a record. chai stays in unit tests and checks/.
import { globSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The scenario layer, as globs relative to the project root. */
export const SCENARIO_LAYER = ['support/world.ts', 'support/hooks.ts', 'support/scenario/**/*.ts', 'steps/**/*.ts'] as const;
/** The one module allowed to wait: the verdict API itself. */
export const VERDICT_API = 'support/scenario/verdicts.ts';

const RULES: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /\bfrom\s+['"]chai['"]|require\(\s*['"]chai['"]\s*\)/, what: 'imports chai: judge with verdicts.now(name, problems) instead' },
  { pattern: /(?<![\w.])eventually\s*\(/, what: 'calls eventually(): use verdicts.within(…) for a check, verdicts.waitFor(…) for a premise' },
];

export interface PathProblem {
  /** `file:line`, relative to the root. */
  readonly at: string;
  readonly message: string;
}

/** Every chai import and bare wait in the scenario layer under `root` (tests and the verdict API excepted). */
export function verdictPathProblems(root: string, layer: readonly string[] = SCENARIO_LAYER): PathProblem[] {
  const files = [...new Set(layer.flatMap((g) => globSync(g, { cwd: root })))].filter((f) => !f.endsWith('.test.ts') && f !== VERDICT_API).sort();
  return files.flatMap((file) =>
    readFileSync(join(root, file), 'utf8')
      .split('\n')
      .flatMap((line, i) =>
        line.trimStart().startsWith('//') || line.trimStart().startsWith('*')
          ? []
          : RULES.filter((r) => r.pattern.test(line)).map((r) => ({ at: `${file}:${i + 1}`, message: r.what })),
      ),
  );
}

export function describeVerdictPath(problems: readonly PathProblem[], files = SCENARIO_LAYER.join(', ')): string {
  if (problems.length === 0) return `every judgement and wait in the scenario layer goes through ${VERDICT_API}`;
  return [`${problems.length} check(s) outside the verdict API (${files}):`, ...problems.map((p) => `  ${p.at}: ${p.message}`)].join('\n');
}
