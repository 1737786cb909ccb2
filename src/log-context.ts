import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while a job (or one of its projects) runs says about it. */
export interface LogContext {
  deliveryId?: string;
  jobId?: string;
  kind?: string;
  repo?: string;
  pr?: number;
  project?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` with these fields added to every log line it (and everything it awaits or starts) writes,
 * on top of the fields already in effect; see createLogger's mixin.
 */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, fn);
}

/** The fields in effect here; empty outside any job. */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
