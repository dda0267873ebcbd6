// A partition as the scenario applied it: its groups and its window on the scenario clock. Kept by the
// network noun, read by checks about what each side did meanwhile.
export interface Isolation {
  readonly groups: Record<string, string[]>;
  readonly startMs: number;
  readonly durationMs: number;
}
