import { startSluice } from '../app.js';
import { loadSettings } from '../config/env.js';
import type { CliIo } from './cli-io.js';
import { EXIT } from './exit-codes.js';

/**
 * `sluice server` and `sluice worker`: start the roles, run until SIGTERM or SIGINT, then finish the
 * running jobs and close. Throws SluiceError when the environment or config is invalid.
 */
export async function runService(
  roles: { server: boolean; workers: number },
  options: { config?: string; metricsPort?: number },
  io: CliIo,
): Promise<number> {
  // --config FILE: the server config (admin rules per repository); same as SLUICE_CONFIG.
  // --metrics-port N: same as SLUICE_METRICS_PORT.
  const env = {
    ...io.env,
    ...(options.config ? { SLUICE_CONFIG: options.config } : {}),
    ...(options.metricsPort !== undefined ? { SLUICE_METRICS_PORT: String(options.metricsPort) } : {}),
  };
  const sluice = await startSluice(loadSettings(env), roles);
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      sluice.logger.info({ signal }, 'shutting down: finishing running jobs');
      sluice.close().then(
        () => resolve(EXIT.ok),
        (error) => {
          sluice.logger.error({ err: error }, 'shutdown failed');
          resolve(EXIT.failed);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
