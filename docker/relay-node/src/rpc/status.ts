// OmniRelay status codes and their HTTP mapping (contract §2).
export type RpcStatusCode =
  | 'Cancelled'
  | 'Unknown'
  | 'InvalidArgument'
  | 'DeadlineExceeded'
  | 'NotFound'
  | 'AlreadyExists'
  | 'PermissionDenied'
  | 'ResourceExhausted'
  | 'FailedPrecondition'
  | 'Aborted'
  | 'OutOfRange'
  | 'Unimplemented'
  | 'Internal'
  | 'Unavailable'
  | 'DataLoss'
  | 'Unauthenticated';

const HTTP_STATUS: Partial<Record<RpcStatusCode, number>> = {
  ResourceExhausted: 429,
  Unavailable: 503,
  DeadlineExceeded: 504,
  Unimplemented: 501,
  Cancelled: 499,
  InvalidArgument: 400,
  FailedPrecondition: 400,
  NotFound: 404,
  PermissionDenied: 403,
};

const RETRYABLE = new Set<RpcStatusCode>(['Unavailable', 'Internal', 'ResourceExhausted', 'Aborted', 'DeadlineExceeded']);

export function httpStatusFor(status: RpcStatusCode): number {
  return HTTP_STATUS[status] ?? 500;
}

/** `InvalidArgument` → `INVALID_ARGUMENT` (the error body's `status`). */
export function statusToken(status: RpcStatusCode): string {
  return status.replace(/(?<!^)([A-Z])/g, '_$1').toUpperCase();
}

/** `InvalidArgument` → `invalid-argument` (OmniRelay's error code, the `Rpc-Error-Code` header). */
export function errorCode(status: RpcStatusCode): string {
  return status.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase();
}

export function isRetryable(status: RpcStatusCode): boolean {
  return RETRYABLE.has(status);
}

export class RpcError extends Error {
  override readonly name = 'RpcError';

  constructor(
    readonly status: RpcStatusCode,
    message: string,
  ) {
    super(message);
  }
}
