// A span of time as steps and nouns pass it around. Its own module, so that code using it needs not
// load the parameter types, which register themselves with a running cucumber (unit tests have none).

/** A span of time: "15 seconds", "500 ms", "2 minutes". */
export class Duration {
  constructor(readonly ms: number) {}
  toString(): string {
    return this.ms % 1000 === 0 ? `${this.ms / 1000} s` : `${this.ms} ms`;
  }
}
