/**
 * GitHub's limits on content-creating requests, as a budget rather than a fixed gap between writes.
 *
 * GitHub asks integrations to make "no more than 80 content-generating requests per minute and no more
 * than 500 content-generating requests per hour" (docs: REST API rate limits, secondary rate limits).
 * Octokit's throttling plugin spaces every write one second apart (and notification-triggering writes
 * three seconds apart) instead, so a 20-project pull request waits ~45 s for writes it is allowed to make
 * at once. A sliding window per installation lets writes through immediately and waits only when a window
 * is spent; the plugin keeps handling the forge's own answers (403/429 with `retry-after`).
 */

export interface WindowLimit {
  count: number;
  windowMs: number;
}

/** GitHub's documented content-creation limits per installation. */
export const GITHUB_WRITE_LIMITS: readonly WindowLimit[] = [
  { count: 80, windowMs: 60_000 },
  { count: 500, windowMs: 3_600_000 },
];

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Admits calls so that no window ever holds more than its count; first come, first served. A call
 * occupies its windows from admission until it finishes (in flight: until further notice), so requests
 * that reach GitHub later than they were admitted (a slow token fetch) never bunch up in one window.
 */
export class SlidingWindowBudget {
  readonly #limits: readonly WindowLimit[];
  readonly #longest: number;
  readonly #clock: Clock;
  /** When each admitted call finished; Infinity while in flight. */
  readonly #ends: number[] = [];
  #queue: Promise<void> = Promise.resolve();

  constructor(limits: readonly WindowLimit[], clock: Clock = realClock) {
    this.#limits = limits;
    this.#longest = Math.max(...limits.map((l) => l.windowMs));
    this.#clock = clock;
  }

  /** Resolves when one more call may start; call `finish()` once it has. */
  take(): Promise<void> {
    const turn = this.#queue.then(() => this.#admit());
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** One admitted call has finished (which one does not matter for counting). */
  finish(): void {
    const inFlight = this.#ends.indexOf(Number.POSITIVE_INFINITY);
    if (inFlight >= 0) this.#ends[inFlight] = this.#clock.now();
  }

  async #admit(): Promise<void> {
    for (;;) {
      const now = this.#clock.now();
      const wait = this.#waitMs(now);
      if (wait <= 0) {
        this.#ends.push(Number.POSITIVE_INFINITY);
        return;
      }
      await this.#clock.sleep(wait);
    }
  }

  /** How long until every window has room for one more call. */
  #waitMs(now: number): number {
    for (let i = this.#ends.length - 1; i >= 0; i--) {
      if ((this.#ends[i] ?? 0) <= now - this.#longest) this.#ends.splice(i, 1);
    }
    let wait = 0;
    for (const { count, windowMs } of this.#limits) {
      const occupying = this.#ends.filter((end) => end > now - windowMs).sort((a, b) => a - b);
      if (occupying.length < count) continue;
      // The call that must leave the window before one more fits (in flight: check again shortly).
      const leaving = occupying[occupying.length - count] ?? now;
      wait = Math.max(wait, Number.isFinite(leaving) ? leaving + windowMs - now : IN_FLIGHT_POLL_MS);
    }
    return wait;
  }
}

/** How often a full window whose calls are still in flight is looked at again. */
const IN_FLIGHT_POLL_MS = 250;

type Schedule = <A extends unknown[], R>(
  options: unknown,
  fn: (...args: A) => R | Promise<R>,
  ...args: A
) => Promise<R>;

/**
 * The `write` and `global` groups for Octokit's throttling plugin, in the shape it expects of a
 * Bottleneck.Group (`key(id).schedule(options, fn, ...args)`), sharing one budget per installation id:
 * the plugin passes every write through `write` (admission) and then every request through `global`
 * (where a write's end is seen).
 */
export function writeBudgetGroups(limits: readonly WindowLimit[] = GITHUB_WRITE_LIMITS, clock?: Clock) {
  const budgets = new Map<string, SlidingWindowBudget>();
  const budget = (id: string) => {
    const found = budgets.get(id) ?? new SlidingWindowBudget(limits, clock);
    budgets.set(id, found);
    return found;
  };
  return {
    write: {
      key: (id: string): { schedule: Schedule } => ({
        async schedule(_options, fn, ...args) {
          await budget(id).take();
          return fn(...args);
        },
      }),
    },
    global: {
      key: (id: string): { schedule: Schedule } => ({
        async schedule(_options, fn, ...args) {
          const request = args[0] as { method?: string } | undefined;
          const isWrite =
            request?.method !== undefined && request.method !== 'GET' && request.method !== 'HEAD';
          try {
            return await fn(...args);
          } finally {
            if (isWrite) budget(id).finish();
          }
        },
      }),
    },
  };
}

/** A group that admits everything: writes are already counted once by the write budget. */
export const unlimitedGroup = {
  key: () => ({
    schedule: async <A extends unknown[], R>(
      _options: unknown,
      fn: (...args: A) => R | Promise<R>,
      ...args: A
    ): Promise<R> => fn(...args),
  }),
};
