import { type Logger, pino } from 'pino';
import { currentLogContext } from './log-context.js';

export type { Logger };

/** Keys whose values never reach a log line, wherever they sit in a logged object. */
const REDACT_PATHS = [
  'privateKey',
  'token',
  'password',
  'secret',
  'webhookSecret',
  'authorization',
  '*.privateKey',
  '*.token',
  '*.password',
  '*.secret',
  '*.webhookSecret',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-gitlab-token"]',
];

export interface LoggerOptions {
  level?: string;
  /** Secret values to mask in every line written, whatever field they hide in. */
  mask?: (line: string) => string;
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const mask = options.mask;
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'sluice' },
      redact: { paths: REDACT_PATHS, censor: '***' },
      // The job's delivery id, job id, repo, PR and project on every line (src/log-context.ts), unless
      // the child logger writing the line already binds that key.
      mixin: (_object, _level, logger) => {
        const context = currentLogContext();
        const bound = logger.bindings();
        const fields: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(context))
          if (value !== undefined && !(key in bound)) fields[key] = value;
        return fields;
      },
      ...(mask ? { hooks: { streamWrite: (line: string) => mask(line) } } : {}),
    },
    options.destination,
  );
}
