// Scenarios as an author wrote them, with the place of everything a check can point at: each step's
// line and column, the definition it matched, its data table's cells, the scenario's tags. Built from
// a dry run's messages (pickles carry the text, the Gherkin AST the places).
import type { Envelope, GherkinDocument, Pickle, PickleStep } from '@cucumber/messages';

export interface Place {
  readonly uri: string;
  readonly line: number;
  readonly column: number;
}

export interface AuthoredTable {
  readonly rows: readonly (readonly string[])[];
  /** Where row `r`, cell `c` starts (0-based indexes). */
  cellAt(r: number, c: number): Place;
}

export interface AuthoredStep {
  readonly text: string;
  /** The keyword's place; the text starts `textOffset` columns later. */
  readonly at: Place;
  readonly textOffset: number;
  /** Ids of the step definitions the text matches (0: undefined, 2+: ambiguous). */
  readonly definitionIds: readonly string[];
  readonly table?: AuthoredTable;
}

export interface AuthoredScenario {
  readonly name: string;
  readonly at: Place;
  readonly tags: readonly { readonly name: string; readonly at: Place }[];
  readonly steps: readonly AuthoredStep[];
}

/** The place `offset` characters into a step's text. */
export function placeInText(step: AuthoredStep, offset: number): Place {
  return { ...step.at, column: step.at.column + step.textOffset + offset };
}

interface AstStep {
  keyword: string;
  location: { line: number; column?: number };
  dataTable?: { rows: readonly { cells: readonly { value: string; location: { line: number; column?: number } }[] }[] };
}

export function authoredScenarios(envelopes: readonly Envelope[]): AuthoredScenario[] {
  const astSteps = new Map<string, AstStep>();
  const astTags = new Map<string, { line: number; column?: number }>();
  const astScenarios = new Map<string, { line: number; column?: number }>();
  for (const e of envelopes) if (e.gherkinDocument) indexDocument(e.gherkinDocument, astSteps, astTags, astScenarios);

  const definitionsOf = new Map<string, readonly string[]>();
  for (const e of envelopes) for (const ts of e.testCase?.testSteps ?? []) if (ts.pickleStepId) definitionsOf.set(ts.pickleStepId, ts.stepDefinitionIds ?? []);

  const pickles = envelopes.flatMap((e) => (e.pickle ? [e.pickle] : []));
  return pickles.map((pickle) => scenarioOf(pickle, astSteps, astTags, astScenarios, definitionsOf));
}

function scenarioOf(
  pickle: Pickle,
  astSteps: ReadonlyMap<string, AstStep>,
  astTags: ReadonlyMap<string, { line: number; column?: number }>,
  astScenarios: ReadonlyMap<string, { line: number; column?: number }>,
  definitionsOf: ReadonlyMap<string, readonly string[]>,
): AuthoredScenario {
  const uri = pickle.uri;
  const place = (loc: { line: number; column?: number } | undefined): Place => ({ uri, line: loc?.line ?? 0, column: loc?.column ?? 1 });
  return {
    name: pickle.name,
    at: place(astScenarios.get(pickle.astNodeIds[0] ?? '')),
    tags: pickle.tags.map((t) => ({ name: t.name, at: place(astTags.get(t.astNodeId)) })),
    steps: pickle.steps.map((step) => stepOf(step, astSteps.get(step.astNodeIds[0] ?? ''), place, definitionsOf.get(step.id) ?? [])),
  };
}

function stepOf(
  step: PickleStep,
  ast: AstStep | undefined,
  place: (loc: { line: number; column?: number } | undefined) => Place,
  ids: readonly string[],
): AuthoredStep {
  const table = step.argument?.dataTable;
  const astRows = ast?.dataTable?.rows;
  return {
    text: step.text,
    at: place(ast?.location),
    textOffset: ast?.keyword.length ?? 0,
    definitionIds: ids,
    ...(table
      ? {
          table: {
            rows: table.rows.map((r) => r.cells.map((c) => c.value)),
            cellAt: (r: number, c: number) => place(astRows?.[r]?.cells[c]?.location ?? astRows?.[r]?.cells[0]?.location ?? ast?.location),
          },
        }
      : {}),
  };
}

function indexDocument(
  document: GherkinDocument,
  steps: Map<string, AstStep>,
  tags: Map<string, { line: number; column?: number }>,
  scenarios: Map<string, { line: number; column?: number }>,
): void {
  type Container = {
    background?: { steps: readonly (AstStep & { id: string })[] };
    scenario?: {
      id: string;
      location: { line: number; column?: number };
      tags: readonly { id: string; location: { line: number; column?: number } }[];
      steps: readonly (AstStep & { id: string })[];
      examples: readonly {
        tags: readonly { id: string; location: { line: number; column?: number } }[];
        tableBody: readonly { id: string; location: { line: number; column?: number } }[];
      }[];
    };
    rule?: { tags: readonly { id: string; location: { line: number; column?: number } }[]; children: readonly Container[] };
  };
  const visit = (children: readonly Container[]) => {
    for (const child of children) {
      for (const s of child.background?.steps ?? []) steps.set(s.id, s);
      const scenario = child.scenario;
      if (scenario) {
        scenarios.set(scenario.id, scenario.location);
        for (const s of scenario.steps) steps.set(s.id, s);
        for (const t of scenario.tags) tags.set(t.id, t.location);
        for (const ex of scenario.examples) {
          for (const t of ex.tags) tags.set(t.id, t.location);
          for (const row of ex.tableBody) scenarios.set(row.id, row.location);
        }
      }
      if (child.rule) {
        for (const t of child.rule.tags) tags.set(t.id, t.location);
        visit(child.rule.children);
      }
    }
  };
  for (const t of document.feature?.tags ?? []) tags.set(t.id, t.location);
  visit((document.feature?.children ?? []) as readonly Container[]);
}
