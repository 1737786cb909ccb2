import { type Logger, pino } from 'pino';

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
      ...(mask ? { hooks: { streamWrite: (line: string) => mask(line) } } : {}),
    },
    options.destination,
  );
}
