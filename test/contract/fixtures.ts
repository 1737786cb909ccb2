import type { PlanJob } from '../../src/queue/jobs.js';

const repo = { forge: 'github', id: '1', owner: 'acme', name: 'infra', fullName: 'acme/infra' };

/** A plan job for PR `number` at a head SHA made of `sha` repeated. */
export const planJob = (sha: string, number = 1, deliveryId = 'd'): PlanJob => ({
  kind: 'plan',
  pr: { repo, number },
  headSha: sha.repeat(40).slice(0, 40),
  trigger: 'autoplan',
  deliveryId,
});

export const PR_GROUP = (number: number) => `github/1/pr/${number}`;

export async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when `signal` aborts or after `ms`, whichever is first. */
export function waitOrAbort(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
