// `npm run catalog`: writes docs/step-catalog.md, the list of every step phrase authors can use, generated
// from the step definitions cucumber itself loads (cucumber.js, default profile) and from the scenarios in
// features/ (for real examples). `npm run catalog -- --check` fails when the committed document is stale.
//
// Nothing here starts containers: support code is only loaded, and the scenarios are walked in a dry run,
// in which cucumber runs no hooks.
import { parseFlags, usageExit } from './flags';
import { loadSupportCode, type SourcedRegistry, type StepDefinitionLike } from '../check/load';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CucumberExpression, NodeType, type Node, type ParameterType } from '@cucumber/cucumber-expressions';
import type { Envelope } from '@cucumber/messages';
import { runWhenMain } from './run';

export const CATALOG_PATH = 'docs/step-catalog.md';

// ── conventions read from comments directly above a definition ─────────────────────────────────────
/**
 * The comment block directly above `line` (1-based) in `source`: `//` lines and/or one `/** … *\/` block,
 * with no blank line in between; markers stripped, in source order.
 */
export function commentAbove(source: string, line: number): string[] {
  const lines = source.split(/\r?\n/);
  const out: string[] = [];
  let i = line - 2;
  while (i >= 0) {
    const t = lines[i]!.trim();
    if (t.startsWith('//')) {
      out.unshift(t.replace(/^\/\/+\s?/, '').trimEnd());
      i -= 1;
    } else if (t.endsWith('*/')) {
      const block: string[] = [];
      while (i >= 0) {
        const b = lines[i]!.trim();
        block.unshift(b);
        i -= 1;
        if (b.startsWith('/*')) break;
      }
      out.unshift(
        ...block.map((b) =>
          b
            .replace(/^\/\*+\s?/, '')
            .replace(/\s?\*+\/$/, '')
            .replace(/^\*\s?/, '')
            .trim(),
        ),
      );
    } else break;
  }
  return out.filter((l) => l !== '');
}

export interface Annotations {
  /** `// @requires feature:<kebab>`: what the image under test must announce for this step to work. */
  requires: string[];
  /** `// @allow-unused <reason>`: a step kept on purpose although no scenario uses it yet. */
  allowUnused?: string;
  /** `// @fault`: the step injects a fault (the fault preview lists it). */
  fault?: boolean;
  /** `// @table <kind>`: the data table the step takes, which `npm run check` parses (support/check/rules.ts). */
  table?: string;
  /** The rest of the comment: shown as the step's description. */
  description: string[];
}

export const CAPABILITY = /^feature:[a-z0-9]+(-[a-z0-9]+)*$/;

export function annotations(comment: readonly string[]): Annotations {
  const result: Annotations = { requires: [], description: [] };
  for (const line of comment) {
    const requires = /^@requires:?\s*(.*)$/.exec(line);
    const unused = /^@allow-unused:?\s*(.*)$/.exec(line);
    if (requires) result.requires.push(...requires[1]!.split(/[\s,]+/).filter(Boolean));
    else if (unused) result.allowUnused = unused[1]!.trim();
    else if (/^@fault\b/.test(line)) result.fault = true;
    else if (/^@table\s+\S+/.test(line)) result.table = line.split(/\s+/)[1]!;
    else result.description.push(line);
  }
  result.requires = [...new Set(result.requires)].sort();
  return result;
}

/** Annotations of the definition at uri:line, reading the file relative to `cwd`. */
export function annotationsAt(uri: string, line: number, cwd = process.cwd()): Annotations {
  try {
    return annotations(commentAbove(readFileSync(resolve(cwd, uri), 'utf8'), line));
  } catch {
    return { requires: [], description: [] };
  }
}

// ── what the catalog is made of ─────────────────────────────────────────────────────────────────────
// StepDefinitionLike and SourcedRegistry live with the loader (support/check/load.ts).
export type { SourcedRegistry, StepDefinitionLike } from '../check/load';

/** Examples shown for parameter types, checked against the type's regexp when the catalog is built. */
export const PARAMETER_EXAMPLES: Record<string, { example: string; meaning?: string }> = {
  duration: { example: '15 seconds', meaning: 'A span of time: a number (decimals allowed) and ms, second(s) or minute(s).' },
  topology: { example: '"GlobalLeaderWithTwoRegions"', meaning: 'A topology name from topologies/ (quoted, starts with a letter).' },
  member: {
    example: 'the owner of shard-07',
    meaning: 'One node: an id ("east-1", quoted), the global leader, the previous global leader, or the owner of shard-NN.',
  },
  region: { example: '"east"' },
  procedure: { example: '"echo"', meaning: 'An RPC procedure name (quoted).' },
  peerStatus: { example: '"Suspect"', meaning: 'A gossip peer status as nodes report it: Alive, Suspect or Left (quoted).' },
  // Cucumber's built-in types, shown only when a step uses them.
  int: { example: '3', meaning: 'An integer (built in).' },
  float: { example: '2.5', meaning: 'A decimal number (built in).' },
  double: { example: '2.5', meaning: 'A decimal number (built in).' },
  word: { example: 'east', meaning: 'One word without spaces (built in).' },
  string: { example: '"some text"', meaning: 'Text in single or double quotes; the step receives it without them (built in).' },
  '': { example: 'anything', meaning: 'Anything (built-in anonymous type `{}`).' },
  bigdecimal: { example: '1.25', meaning: 'A decimal number (built in).' },
  biginteger: { example: '10', meaning: 'An integer (built in).' },
  byte: { example: '1', meaning: 'An integer (built in).' },
  short: { example: '1', meaning: 'An integer (built in).' },
  long: { example: '1', meaning: 'An integer (built in).' },
};

export interface ParameterTypeEntry {
  name: string;
  regexps: string[];
  example?: string;
  /** What the step function receives for the example, e.g. `Duration {"ms":15000}`. */
  receives: string;
  /** The receiving type's name (`Duration`, `string`), for the per-step parameter lists. */
  receivesType: string;
  meaning: string;
  source?: string;
}

export interface StepEntry {
  keyword: string;
  pattern: string;
  isRegExp: boolean;
  source: string;
  parameters: string[];
  requires: string[];
  description: string[];
  example?: { text: string };
}

export interface Catalog {
  parameterTypes: ParameterTypeEntry[];
  sections: { noun: string; uri: string; steps: StepEntry[] }[];
}

interface Usage {
  keyword: string;
  text: string;
  uri: string;
  line: number;
}

/** The source line of every Gherkin step (backgrounds, scenarios, rules), keyed by its AST node id. */
export function gherkinStepLines(envelopes: readonly Envelope[]): Map<string, number> {
  const lines = new Map<string, number>();
  const visit = (steps: readonly { id: string; location: { line: number } }[] | undefined) => steps?.forEach((s) => lines.set(s.id, s.location.line));
  for (const e of envelopes) {
    for (const child of e.gherkinDocument?.feature?.children ?? []) {
      visit(child.background?.steps);
      visit(child.scenario?.steps);
      for (const rc of child.rule?.children ?? []) {
        visit(rc.background?.steps);
        visit(rc.scenario?.steps);
      }
    }
  }
  return lines;
}

/** Every unambiguous use of each step definition in the dry run's messages, keyed by definition id. */
export function usagesFromMessages(envelopes: readonly Envelope[]): { byDefinition: Map<string, Usage[]>; argumentExamples: Map<string, string[]> } {
  const stepLines = gherkinStepLines(envelopes);
  const pickleSteps = new Map<string, Usage>();
  for (const e of envelopes) {
    if (!e.pickle) continue;
    for (const s of e.pickle.steps) {
      const keyword = s.type === 'Context' ? 'Given' : s.type === 'Action' ? 'When' : s.type === 'Outcome' ? 'Then' : '*';
      pickleSteps.set(s.id, { keyword, text: s.text, uri: e.pickle.uri, line: stepLines.get(s.astNodeIds[0] ?? '') ?? e.pickle.location?.line ?? 0 });
    }
  }
  const byDefinition = new Map<string, Usage[]>();
  const argumentExamples = new Map<string, string[]>();
  for (const e of envelopes) {
    for (const ts of e.testCase?.testSteps ?? []) {
      const usage = ts.pickleStepId ? pickleSteps.get(ts.pickleStepId) : undefined;
      if (!usage || ts.stepDefinitionIds?.length !== 1) continue;
      const list = byDefinition.get(ts.stepDefinitionIds[0]!) ?? [];
      list.push(usage);
      byDefinition.set(ts.stepDefinitionIds[0]!, list);
      for (const a of ts.stepMatchArgumentsLists?.[0]?.stepMatchArguments ?? []) {
        if (a.parameterTypeName === undefined || a.group.value === undefined) continue;
        argumentExamples.set(a.parameterTypeName, [...(argumentExamples.get(a.parameterTypeName) ?? []), a.group.value]);
      }
    }
  }
  const byPlace = (a: Usage, b: Usage) => a.uri.localeCompare(b.uri) || a.line - b.line || a.text.localeCompare(b.text);
  for (const list of byDefinition.values()) list.sort(byPlace);
  return { byDefinition, argumentExamples };
}

/** How a value a step receives reads in the catalog: `Duration {"ms":15000}`, `string "east"`. */
export function describeValue(value: unknown): { text: string; type: string } {
  if (value === null || value === undefined) return { text: String(value), type: String(value) };
  if (typeof value === 'object') {
    const type = (value as object).constructor?.name ?? 'object';
    return { text: `${type} ${JSON.stringify(value)}`, type };
  }
  const type = typeof value;
  return { text: `${type} ${type === 'string' ? JSON.stringify(value) : String(value)}`, type };
}

function parameterNames(ast: Node): string[] {
  if (ast.type === NodeType.parameter) return [ast.text()];
  return (ast.nodes ?? []).flatMap(parameterNames);
}

/** A phrase that matches the expression: optional text kept, first alternative taken, parameters filled. */
export function synthesize(ast: Node, exampleOf: (type: string) => string): string {
  switch (ast.type) {
    case NodeType.parameter:
      return exampleOf(ast.text());
    case NodeType.alternation:
      return synthesize(ast.nodes![0]!, exampleOf);
    case NodeType.text:
      return ast.text();
    default:
      return (ast.nodes ?? []).map((n) => synthesize(n, exampleOf)).join('');
  }
}

/** Cucumber expressions carry their parsed AST; regular expressions do not. */
export function astOf(expression: unknown): Node | undefined {
  return expression instanceof CucumberExpression || (typeof expression === 'object' && expression !== null && 'ast' in expression)
    ? (expression as { ast: Node }).ast
    : undefined;
}

const nounOf = (uri: string) =>
  uri
    .replace(/^.*\//, '')
    .replace(/\.steps\.[cm]?[jt]s$/, '')
    .replace(/\.[cm]?[jt]s$/, '');

export async function buildCatalog(input: {
  stepDefinitions: readonly StepDefinitionLike[];
  registry: SourcedRegistry;
  envelopes: readonly Envelope[];
  annotationsOf?: (uri: string, line: number) => Annotations;
}): Promise<Catalog> {
  const { stepDefinitions, registry, envelopes } = input;
  const annotationsOf = input.annotationsOf ?? ((uri: string, line: number) => annotationsAt(uri, line));
  const { byDefinition, argumentExamples } = usagesFromMessages(envelopes);

  // Parameter types: every one the project defines, and the built-in ones a step uses.
  const used = new Set<string>();
  for (const d of stepDefinitions) {
    const ast = astOf(d.expression);
    if (ast) parameterNames(ast).forEach((n) => used.add(n));
  }
  const all = [...registry.parameterTypes].filter((t) => !t.builtin || used.has(t.name ?? ''));
  const order = (t: ParameterType<unknown>) => registry.lookupSource?.(t)?.order ?? Number.MAX_SAFE_INTEGER;
  all.sort((a, b) => order(a) - order(b) || (a.name ?? '').localeCompare(b.name ?? ''));
  const parameterTypes: ParameterTypeEntry[] = [];
  for (const t of all) {
    const name = t.name ?? '';
    const source = registry.lookupSource?.(t);
    const curated = PARAMETER_EXAMPLES[name];
    const example = curated?.example ?? argumentExamples.get(name)?.sort()[0];
    let receives = '—';
    let receivesType = 'string';
    if (example !== undefined) {
      const args = new CucumberExpression(`{${name}}`, registry).match(example);
      if (!args)
        throw new Error(
          `The example ${JSON.stringify(example)} for {${name}} does not match its regexp ${t.regexpStrings.join(' | ')}: fix PARAMETER_EXAMPLES in support/cli/step-catalog.ts.`,
        );
      try {
        const described = describeValue(await args[0]!.getValue(null));
        receives = described.text;
        receivesType = described.type;
      } catch (error) {
        receives = `(the transformer needs a World: ${(error as Error).message})`;
      }
    }
    const doc = source ? annotationsAt(source.uri, source.line).description.join(' ') : '';
    parameterTypes.push({
      name,
      regexps: [...t.regexpStrings],
      example,
      receives,
      receivesType,
      meaning: doc || curated?.meaning || '',
      source: source ? `${source.uri}:${source.line}` : undefined,
    });
  }
  const typeEntry = new Map(parameterTypes.map((p) => [p.name, p]));
  const exampleOf = (type: string) => typeEntry.get(type)?.example ?? PARAMETER_EXAMPLES[type]?.example ?? `<${type}>`;

  const sections = new Map<string, { noun: string; uri: string; steps: StepEntry[] }>();
  const sorted = [...stepDefinitions].sort((a, b) => a.uri.localeCompare(b.uri) || a.line - b.line);
  for (const d of sorted) {
    const ast = astOf(d.expression);
    const isRegExp = ast === undefined;
    const notes = annotationsOf(d.uri, d.line);
    // Examples come from the parameter types' examples, not from the features: a catalog that quoted the
    // first usage changed whenever someone added a scenario or moved a line. Regular expressions have no
    // AST to fill, so they quote a usage, the same one however the features are ordered.
    const first = [...(byDefinition.get(d.id) ?? [])].sort((a, b) => a.text.localeCompare(b.text))[0];
    let example: StepEntry['example'];
    if (ast) example = { text: `${d.keyword === 'Unknown' ? '*' : d.keyword} ${synthesize(ast, exampleOf)}` };
    else if (first) example = { text: `${first.keyword} ${first.text}` };
    const parameters = ast ? parameterNames(ast) : first ? (d.expression.match(first.text) ?? []).map((a) => a.parameterType.name ?? '') : [];
    const section = sections.get(d.uri) ?? { noun: nounOf(d.uri), uri: d.uri, steps: [] };
    section.steps.push({
      keyword: d.keyword === 'Unknown' ? 'Step' : d.keyword,
      pattern: typeof d.pattern === 'string' ? d.pattern : d.pattern.source,
      isRegExp,
      source: `${d.uri}:${d.line}`,
      parameters,
      requires: notes.requires,
      description: notes.description,
      example,
    });
    sections.set(d.uri, section);
  }
  return { parameterTypes, sections: [...sections.values()].sort((a, b) => a.noun.localeCompare(b.noun) || a.uri.localeCompare(b.uri)) };
}

// ── rendering ───────────────────────────────────────────────────────────────────────────────────────
/** A Markdown code span that survives backticks inside it (and, in tables, pipes). */
export function code(text: string, inTable = false): string {
  const body = inTable ? text.replace(/\|/g, '\\|') : text;
  const ticks = body.includes('`') ? '``' : '`';
  const pad = ticks === '``' || body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${body}${pad}${ticks}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderCatalog(catalog: Catalog): string {
  const out: string[] = [];
  const stepCount = catalog.sections.reduce((n, s) => n + s.steps.length, 0);
  out.push(
    '# Step catalog',
    '',
    '<!-- Generated by `npm run catalog` from the step definitions cucumber loads and the scenarios in features/. Do not edit by hand. -->',
    '',
    `Every step phrase an author can use: ${stepCount} steps in ${catalog.sections.length} files, one section per file (noun).`,
    'Generated from the step definitions themselves (cucumber.js, default profile), so it cannot drift from them:',
    '`npm run catalog` rewrites it, and `npm run catalog -- --check` (part of `npm run gates`) fails when it is stale.',
    '',
    '## Conventions',
    '',
    '- **Needs** is the capability a step itself depends on, declared in a comment line directly above its definition:',
    '',
    '  ```ts',
    '  // @requires feature:mesh-regional-leaders',
    "  Then('within {duration} …', async function (this: HyperscaleWorld, within: Duration) { … });",
    '  ```',
    '',
    '  It names what the image under test must announce in `/omnirelay/introspect` (`feature:<kebab-case>`).',
    '  `npm run lint:steps` then requires every scenario that uses the step to be tagged `@requires:feature:mesh-regional-leaders`,',
    '  so an image without the capability skips that scenario instead of failing it. A step with no such line needs only',
    '  the contract every OmniRelay host speaks. Other comment lines directly above a definition are shown as its description.',
    '- `// @allow-unused <reason>` above a definition keeps a step that no scenario uses yet (otherwise `npm run lint:steps` fails).',
    "- **Example** is built from the parameter types' examples (below), so it does not change when scenarios are",
    '  added; `npm run check` tells whether a phrase you wrote matches.',
    '- **Source** is where the definition is: `file:line`.',
    '',
    '## Parameter types',
    '',
    '| type | matches (regexp) | example | the step receives | meaning | defined at |',
    '|---|---|---|---|---|---|',
  );
  for (const p of catalog.parameterTypes) {
    out.push(
      `| ${code(`{${p.name}}`, true)} | ${p.regexps.map((r) => code(r, true)).join(' or ')} | ${p.example === undefined ? '—' : code(p.example, true)} | ${p.receives === '—' ? '—' : code(p.receives, true)} | ${cell(p.meaning || '—')} | ${p.source ? code(p.source, true) : 'built in'} |`,
    );
  }
  const typeOf = new Map(catalog.parameterTypes.map((p) => [p.name, p.receivesType]));
  out.push(
    '',
    '## Steps',
    '',
    catalog.sections
      .map(
        (s) =>
          `[${s.noun}](#${s.noun
            .toLowerCase()
            .replace(/[^a-z0-9 -]/g, '')
            .replace(/ /g, '-')}) (${s.steps.length})`,
      )
      .join(' · '),
  );
  for (const section of catalog.sections) {
    out.push('', `### ${section.noun}`, '', `${code(section.uri)}: ${section.steps.length} step${section.steps.length === 1 ? '' : 's'}.`);
    for (const s of section.steps) {
      out.push('', `#### ${s.keyword} ${code(s.isRegExp ? `/${s.pattern}/` : s.pattern)}`, '');
      for (const d of s.description) out.push(d === '' ? '' : `${d}`);
      if (s.description.length > 0) out.push('');
      const params = s.parameters.map((n) => `${code(`{${n}}`)} → ${typeOf.get(n) ?? 'string'}`);
      out.push(`- **Parameters**: ${params.length > 0 ? params.join(', ') : 'none'}`);
      out.push(`- **Needs**: ${s.requires.length > 0 ? s.requires.map((r) => code(r)).join(', ') : 'nothing declared'}`);
      out.push(`- **Example**: ${s.example ? code(s.example.text) : 'none (a regular expression no scenario uses)'}`);
      out.push(`- **Source**: ${code(s.source)}`);
    }
  }
  out.push('');
  return out.join('\n');
}

// ── loading through cucumber ──────────────────────────────────────────────────────────────────────────
/** The support code cucumber would load for `npm run bdd`, and the messages of a dry run over features/. */
export async function loadThroughCucumber(cwd = process.cwd()): Promise<{
  stepDefinitions: StepDefinitionLike[];
  registry: SourcedRegistry;
  envelopes: Envelope[];
  undefinedParameterTypes: { name: string; expression: string }[];
}> {
  const support = await loadSupportCode(cwd);
  return {
    stepDefinitions: [...support.stepDefinitions],
    registry: support.registry,
    envelopes: await support.dryRun(),
    undefinedParameterTypes: [...support.undefinedParameterTypes],
  };
}

export async function generateCatalog(cwd = process.cwd()): Promise<string> {
  const loaded = await loadThroughCucumber(cwd);
  return renderCatalog(await buildCatalog({ ...loaded, annotationsOf: (uri, line) => annotationsAt(uri, line, cwd) }));
}

/** A short line diff: the first differing lines of the committed and the generated text. */
export function firstDifferences(committed: string, generated: string, max = 12): string[] {
  const a = committed.split('\n');
  const b = generated.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < max; i++) {
    if (a[i] === b[i]) continue;
    if (a[i] !== undefined) out.push(`  line ${i + 1} committed: ${a[i]}`);
    if (b[i] !== undefined) out.push(`  line ${i + 1} generated: ${b[i]}`);
  }
  return out;
}

async function main(args: string[]): Promise<number> {
  const { check } = usageExit(
    'catalog',
    'usage: npm run catalog [-- --check]\n  --check  fail (and show the first differences) unless docs/step-catalog.md is current',
    () => parseFlags(args, { check: { type: 'boolean', default: false } }),
  ).values;
  const generated = await generateCatalog();
  const path = resolve(process.cwd(), CATALOG_PATH);
  if (!check) {
    await writeFile(path, generated);
    console.log(`wrote ${CATALOG_PATH}`);
    return 0;
  }
  const committed = await readFile(path, 'utf8').catch(() => undefined);
  if (committed === generated) {
    console.log(`${CATALOG_PATH} is current`);
    return 0;
  }
  console.error(
    committed === undefined
      ? `${CATALOG_PATH} is missing. Run \`npm run catalog\` and commit the result.`
      : `${CATALOG_PATH} is out of date with the step definitions or features. Run \`npm run catalog\` and commit the result.`,
  );
  if (committed !== undefined) console.error(firstDifferences(committed, generated).join('\n'));
  return 1;
}

runWhenMain(import.meta.url, main);
