/**
 * Every error Sluice raises on purpose, with a stable code, the HTTP status it maps to,
 * a message that tells the user what to do, and whether a worker should retry.
 */
export const ErrorCodes = {
  WEBHOOK_SIGNATURE_MISSING: { status: 401, retryable: false },
  WEBHOOK_SIGNATURE_INVALID: { status: 401, retryable: false },
  WEBHOOK_HEADERS_MISSING: { status: 400, retryable: false },
  WEBHOOK_PAYLOAD_MALFORMED: { status: 400, retryable: false },
  WEBHOOK_PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  WEBHOOK_UNSUPPORTED_MEDIA: { status: 415, retryable: false },
  CONFIG_INVALID: { status: 400, retryable: false },
  SERVER_CONFIG_INVALID: { status: 500, retryable: false },
  FORGE_REQUEST_FAILED: { status: 502, retryable: true },
  GIT_FETCH_FAILED: { status: 502, retryable: true },
  TOOL_NOT_FOUND: { status: 500, retryable: false },
  SANDBOX_UNAVAILABLE: { status: 500, retryable: false },
  UNSAFE_WRITE_REFUSED: { status: 500, retryable: false },
  JOB_SUPERSEDED: { status: 409, retryable: false },
  JOB_INVALID: { status: 400, retryable: false },
  NOT_READY: { status: 503, retryable: true },
  /** A stored plan or plan state failed its seal (src/store/sealed-store.ts): never acted on. */
  STORED_RECORD_TAMPERED: { status: 500, retryable: false },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof ErrorCodes;

export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SluiceError';
    this.code = code;
    this.status = ErrorCodes[code].status;
    this.retryable = ErrorCodes[code].retryable;
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof SluiceError ? error.retryable : true;
}
