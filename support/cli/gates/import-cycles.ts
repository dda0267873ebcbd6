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
  /** Imports from the images' sources (docker/) into the suite: the images must build and test without it. */
  readonly crossings: readonly { readonly from: string; readonly to: string }[];
}

const IMAGE_SOURCE = /(^|\/)docker\//;
const SUITE_SOURCE = /(^|\/)(support|steps|topologies)\//;

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
  const crossings = Object.entries(tree).flatMap(([from, deps]) =>
    IMAGE_SOURCE.test(from) ? (deps ?? []).filter((d) => d.id && SUITE_SOURCE.test(d.id) && !IMAGE_SOURCE.test(d.id)).map((d) => ({ from, to: d.id! })) : [],
  );
  return { modules, cycles: uniqueCirculars(parseCircular(tree)), crossings };
}

export function describeCycles(report: CycleReport): string {
  if (report.cycles.length === 0 && report.crossings.length === 0)
    return `no import cycle among ${report.modules} modules, and docker/ imports nothing from the suite`;
  return [
    ...(report.cycles.length === 0
      ? []
      : [
          `${report.cycles.length} import cycle(s); break each by moving the shared type or function into a module both can import:`,
          ...report.cycles.map((c) => `  ${[...c, c[0]].join(' → ')}`),
        ]),
    ...(report.crossings.length === 0
      ? []
      : [
          `${report.crossings.length} import(s) from docker/ into the suite; an image's sources (and tests) must stand alone:`,
          ...report.crossings.map((c) => `  ${c.from} → ${c.to}`),
        ]),
  ].join('\n');
}
