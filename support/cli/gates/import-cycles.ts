// The import-cycle gate: no module of support/, steps/, topologies/ or docker/ may reach itself through its
// imports (type-only imports count: they couple modules as much as any). dpdm parses TypeScript's
// imports; this file only picks the roots and words the verdict.
import { parseCircular, parseDependencyTree, uniqueCirculars } from 'dpdm';

/** The folders whose modules must form no cycle. */
export const CYCLE_ROOTS = ['support', 'steps', 'topologies', 'docker'] as const;

export interface CycleReport {
  readonly modules: number;
  /** Each cycle as its modules in import order, relative to `cwd`. */
  readonly cycles: readonly (readonly string[])[];
}

/** Modules left out: dependencies, and fixtures (one of which is a cycle on purpose). */
const EXCLUDED = /node_modules|\/fixtures\//;

/** Every import cycle among the TypeScript modules under `roots` (relative to `cwd`). */
export async function findImportCycles(cwd: string, roots: readonly string[] = CYCLE_ROOTS, exclude: RegExp = EXCLUDED): Promise<CycleReport> {
  const tree = await parseDependencyTree(
    roots.map((r) => `${cwd}/${r}/**/*.ts`),
    { context: cwd, cwd, transform: false, exclude, tsconfig: undefined },
  );
  // Ids come back relative to `context`.
  const modules = Object.keys(tree).filter((m) => !m.includes('node_modules')).length;
  return { modules, cycles: uniqueCirculars(parseCircular(tree)) };
}

export function describeCycles(report: CycleReport): string {
  if (report.cycles.length === 0) return `no import cycle among ${report.modules} modules`;
  return [
    `${report.cycles.length} import cycle(s); break each by moving the shared type or function into a module both can import:`,
    ...report.cycles.map((c) => `  ${[...c, c[0]].join(' → ')}`),
  ].join('\n');
}
