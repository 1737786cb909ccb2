import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { withLogContext } from '../../src/log-context.js';
import { createLogger } from '../../src/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      raw.push(String(chunk));
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger({ destination }), lines, raw };
}

describe('log context', () => {
  it('puts the job’s delivery, job, repo, PR and project on every line written inside it', async () => {
    const { logger, lines } = capture();

    await withLogContext(
      { deliveryId: 'd-1', jobId: '42', kind: 'plan', repo: 'acme/infra', pr: 7 },
      async () => {
        logger.info('job started');
        await Promise.all(
          ['envs/dev', 'envs/prod'].map((project) =>
            withLogContext({ project }, async () => {
              await new Promise((resolve) => setTimeout(resolve, project === 'envs/dev' ? 5 : 1));
              logger.child({ component: 'runner' }).info('step done');
            }),
          ),
        );
      },
    );
    logger.info('outside');

    expect(lines.map((l) => [l.msg, l.deliveryId, l.jobId, l.repo, l.pr, l.project])).toEqual([
      ['job started', 'd-1', '42', 'acme/infra', 7, undefined],
      ['step done', 'd-1', '42', 'acme/infra', 7, 'envs/prod'],
      ['step done', 'd-1', '42', 'acme/infra', 7, 'envs/dev'],
      ['outside', undefined, undefined, undefined, undefined, undefined],
    ]);
  });

  it('does not repeat a key the child logger already binds', async () => {
    const { logger, raw } = capture();

    withLogContext({ jobId: '42', repo: 'acme/infra' }, () => logger.child({ jobId: '42' }).info('once'));

    expect(raw[0]?.match(/"jobId"/g)).toHaveLength(1);
    expect(raw[0]).toContain('"repo":"acme/infra"');
  });
});
