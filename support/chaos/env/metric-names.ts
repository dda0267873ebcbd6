// The metrics the chaos environment's alert rules and dashboards query, read from the files themselves,
// so that a test can require each of them in a live scrape and `chaos:collect` can dump each one.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHAOS_DIR } from './files';

/** Histogram series name their family: `x_bucket` is scraped as `x_bucket`, named in the exposition as `x`. */
const SUFFIXES = /_(bucket|sum|count)$/;

/**
 * Metric names in a PromQL expression: identifiers left once strings, label matchers (`{…}`), grouping
 * lists (`by (…)`, `without`, `on`, `ignoring`, `group_left/right`) and range selectors are removed, minus
 * functions and keywords. Pure.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b\d+(ms|[smhdwy])\b/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const next = stripped.slice(m.index + word.length).trimStart();
    if (next.startsWith('(') || KEYWORDS.has(word) || /^\d/.test(word)) continue;
    names.add(word);
  }
  return [...names].sort();
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'e']);

export function ruleExpressions(dir = CHAOS_DIR): string[] {
  const rules = parse(readFileSync(join(dir, 'prometheus/rules.yml'), 'utf8')) as { groups: { rules: { expr: string }[] }[] };
  return rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
}

export interface PanelQuery {
  readonly dashboard: string;
  readonly panel: string;
  readonly expr: string;
}

export function dashboardQueries(dir = CHAOS_DIR): PanelQuery[] {
  const folder = join(dir, 'grafana/dashboards');
  return readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((file) => {
      const d = JSON.parse(readFileSync(join(folder, file), 'utf8')) as { title: string; panels: { title: string; targets: { expr: string }[] }[] };
      return d.panels.flatMap((p) => p.targets.map((t) => ({ dashboard: d.title, panel: p.title, expr: t.expr })));
    });
}

export function metricsNamedInRules(dir = CHAOS_DIR): string[] {
  return [...new Set(ruleExpressions(dir).flatMap(metricNamesIn))].sort();
}

export function metricsNamedInDashboards(dir = CHAOS_DIR): string[] {
  return [...new Set(dashboardQueries(dir).flatMap((q) => metricNamesIn(q.expr)))].sort();
}

/** The family a scraped name belongs to (`x_bucket` → `x`), for matching against an exposition's `# TYPE` lines. */
export const familyOf = (name: string) => name.replace(SUFFIXES, '');
