// The bench's sections run one after another for the best part of an hour. One that throws (a wait that
// timed out, a cluster that did not start) is recorded and said, and the others still run and print, so
// one stuck section does not cost every other figure. The run still fails at the end, and a baseline is
// not written from it: a baseline must hold every section's figures.

export interface SectionFailure {
  readonly section: string;
  readonly message: string;
}

export class SectionRuns {
  private readonly failures: SectionFailure[] = [];

  constructor(private readonly say: (line: string) => void) {}

  get failed(): readonly SectionFailure[] {
    return this.failures;
  }

  /** Runs one section's measurement; undefined when it failed (its figures are left out). */
  async measured<T>(section: string, body: () => Promise<T>): Promise<T | undefined> {
    try {
      return await body();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.failures.push({ section, message });
      this.say(`${section} failed, its figures are left out: ${message}`);
      return undefined;
    }
  }

  /** The closing lines for stderr: none when every section ran. `save`: the baseline file that will not be written. */
  summary(save: string | undefined): string[] {
    if (this.failures.length === 0) return [];
    const which = this.failures.map((f) => `${f.section} (${f.message})`).join('; ');
    return [
      `bench: ${this.failures.length} section(s) failed, their figures are missing: ${which}`,
      ...(save !== undefined ? [`bench: ${save} not written: a baseline must hold every section's figures`] : []),
    ];
  }
}
