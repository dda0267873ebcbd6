// The existing phrases nearest to a step that matches none, so a typo gets "did you mean" instead of
// a JavaScript snippet. Phrases are the step definitions with their parameters filled by examples;
// numbers and quoted values are levelled before comparing, so only the wording counts.
import { distance } from 'fastest-levenshtein';
import { astOf, PARAMETER_EXAMPLES, synthesize, type StepDefinitionLike } from '../cli/step-catalog';

/** Numbers become N and quoted text "X": "within 20 seconds" and "within 15 seconds" read the same. */
function level(text: string): string {
  return text
    .toLowerCase()
    .replace(/"[^"]*"/g, '"x"')
    .replace(/\d+(\.\d+)?/g, 'n')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A phrase the definition matches, or its pattern's text for regular expressions. */
export function examplePhrase(definition: StepDefinitionLike): string {
  const ast = astOf(definition.expression);
  if (!ast) return String(definition.pattern);
  return synthesize(ast, (type) => PARAMETER_EXAMPLES[type]?.example ?? `{${type}}`);
}

/** Up to `most` phrases whose wording is within 40 % (edit distance over length) of `text`, nearest first. */
export function nearestPhrases(text: string, definitions: readonly StepDefinitionLike[], most = 3): string[] {
  const wanted = level(text);
  return definitions
    .map((d) => {
      const phrase = examplePhrase(d);
      const candidate = level(phrase);
      return { phrase, score: distance(wanted, candidate) / Math.max(wanted.length, candidate.length, 1) };
    })
    .filter((c) => c.score <= 0.4)
    .sort((a, b) => a.score - b.score || a.phrase.localeCompare(b.phrase))
    .slice(0, most)
    .map((c) => c.phrase);
}
