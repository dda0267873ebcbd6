// Capability gating: a scenario tagged @requires:<capability> runs only against an image whose
// /omnirelay/introspect announces that capability.
const REQUIRES = '@requires:';

export function requiredCapabilities(tags: readonly string[]): string[] {
  return tags.filter((t) => t.startsWith(REQUIRES)).map((t) => t.slice(REQUIRES.length));
}

export function missingCapabilities(tags: readonly string[], announced: readonly string[]): string[] {
  return requiredCapabilities(tags).filter((c) => !announced.includes(c));
}
