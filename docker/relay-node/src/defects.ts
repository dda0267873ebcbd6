// Seeded defects: each one makes the node misbehave deterministically, so the sensitivity run can
// prove that the scenario tagged `@catches:<name>` fails against it. The list is data
// (../defects.json, name → one-line description) so the suite's offline check can read it without
// importing relay-node's code; esbuild bundles it into the node.
import catalogue from '../defects.json' with { type: 'json' };

export const DEFECTS = catalogue;

export type DefectName = keyof typeof DEFECTS;

export const DEFECT_NAMES = Object.keys(DEFECTS) as DefectName[];

export function isDefectName(name: string): name is DefectName {
  return Object.hasOwn(DEFECTS, name);
}

/** Parses a comma list; throws with the list of known names on anything unknown. */
export function parseDefects(raw: string | undefined): ReadonlySet<DefectName> {
  const names = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const unknown = names.filter((name) => !isDefectName(name));
  if (unknown.length > 0) {
    throw new Error(`RELAY_DEFECT: unknown defect(s) ${unknown.join(', ')}; known defects: ${DEFECT_NAMES.join(', ')}`);
  }
  return new Set(names as DefectName[]);
}

/**
 * The seeded defects a component was built with. Every component takes them the same way (a
 * `defects` option) and asks `defects.has('<name>')` where the misbehaviour lives, so one search for
 * a defect's name finds all of its code.
 */
export type Defects = ReadonlySet<DefectName>;

export const NO_DEFECTS: Defects = new Set<DefectName>();

/** `defects` for a component built with these seeded (tests, mostly); none gives NO_DEFECTS. */
export function seeded(...names: DefectName[]): Defects {
  return names.length === 0 ? NO_DEFECTS : new Set(names);
}
