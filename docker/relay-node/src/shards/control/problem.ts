/** A shard control route's failure, answered as problem+json: the HTTP status, the contract's `code`, and metadata. */
export class ControlProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly metadata: Record<string, string> = {},
  ) {
    super(message);
  }
}
