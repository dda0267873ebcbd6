// The suite's support code and feature files, loaded the way `npm run bdd` loads them but run dry:
// no hook runs, no Docker. The support code is loaded once (ES modules register their steps once per
// process) and reused for any number of dry runs, e.g. over the check's fixture files.
import { Writable } from 'node:stream';
import type { Envelope } from '@cucumber/messages';
import type { ParameterType, ParameterTypeRegistry } from '@cucumber/cucumber-expressions';

/** The parts of cucumber's step definitions that the catalog and the check read. */
export interface StepDefinitionLike {
  id: string;
  keyword: string;
  pattern: string | RegExp;
  expression: { match(text: string): readonly { parameterType: ParameterType<unknown>; getValue(thisObj: unknown): unknown }[] | null };
  uri: string;
  line: number;
}

export interface SourcedRegistry extends ParameterTypeRegistry {
  lookupSource?(parameterType: ParameterType<unknown>): { uri: string; line: number; order: number } | undefined;
}

export interface SupportCode {
  readonly stepDefinitions: readonly StepDefinitionLike[];
  readonly registry: SourcedRegistry;
  readonly undefinedParameterTypes: readonly { name: string; expression: string }[];
  /** A dry run over `paths` (feature files or folders; default: the profile's, i.e. features/). */
  dryRun(paths?: readonly string[]): Promise<Envelope[]>;
}

export async function loadSupportCode(cwd = process.cwd()): Promise<SupportCode> {
  const { loadConfiguration, loadSupport, runCucumber } = await import('@cucumber/cucumber/api');
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const environment = { cwd, stdout: sink, stderr: process.stderr };
  const { runConfiguration } = await loadConfiguration({}, environment);
  const library = await loadSupport(runConfiguration, environment);
  // The public type is opaque; the object is cucumber's SupportCodeLibrary.
  const internals = library as unknown as {
    stepDefinitions?: StepDefinitionLike[];
    parameterTypeRegistry?: SourcedRegistry;
    undefinedParameterTypes?: { name: string; expression: string }[];
  };
  if (!Array.isArray(internals.stepDefinitions) || !internals.parameterTypeRegistry) {
    throw new Error("@cucumber/cucumber no longer exposes stepDefinitions/parameterTypeRegistry on loadSupport()'s result; update support/check/load.ts");
  }
  return {
    stepDefinitions: internals.stepDefinitions,
    registry: internals.parameterTypeRegistry,
    undefinedParameterTypes: internals.undefinedParameterTypes ?? [],
    async dryRun(paths) {
      const envelopes: Envelope[] = [];
      const sources = paths && paths.length > 0 ? { ...runConfiguration.sources, paths: [...paths] } : runConfiguration.sources;
      await runCucumber(
        {
          ...runConfiguration,
          sources,
          support: library,
          runtime: { ...runConfiguration.runtime, dryRun: true, retry: 0 },
          formats: { stdout: 'summary', files: {}, publish: false, options: {} },
        },
        environment,
        (envelope) => envelopes.push(envelope),
      );
      return envelopes;
    },
  };
}
