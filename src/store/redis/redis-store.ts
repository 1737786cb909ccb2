import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { type DbtDeployment, productionOf } from '../../dbt/deployment.js';
import { repoKey } from '../keys.js';
import {
  type ApplyAttempt,
  type ApplyJournal,
  type CommentIds,
  type DbtPlanArtifact,
  type DbtProduction,
  type DbtStore,
  DEPLOYMENTS_KEPT,
  type DeliveryLog,
  type ForkAllowance,
  type ForkAllowances,
  type HeadMark,
  type HeadTracker,
  type PlanArtifact,
  type PlanStore,
  type PullState,
  type PullStates,
  type Store,
} from '../types.js';

const DAY = 24 * 3600;
const DELIVERY_TTL = 7 * DAY;
const HEAD_TTL = 90 * DAY;
const PLAN_TTL = 30 * DAY;
const COMMENT_TTL = 180 * DAY;
const FORK_TTL = 90 * DAY;
const APPLY_TTL = 90 * DAY;

const advanceHeadLua = readFileSync(new URL('./lua/advance-head.lua', import.meta.url), 'utf8');
const claimEachLua = readFileSync(new URL('./lua/claim-each.lua', import.meta.url), 'utf8');
const beginApplyLua = readFileSync(new URL('./lua/begin-apply.lua', import.meta.url), 'utf8');
const replaceApplyLua = readFileSync(new URL('./lua/replace-apply.lua', import.meta.url), 'utf8');

type ScriptedRedis = Redis & {
  advanceHead(key: string, updatedAt: string, mark: string, ttl: number): Promise<number>;
  claimEach(count: number, ...keysAndArgs: string[]): Promise<number>;
  beginApply(
    record: string,
    open: string,
    attempt: string,
    ttl: number,
    claim: string,
    now: number,
  ): Promise<number>;
  replaceApply(
    record: string,
    open: string,
    current: string,
    attempt: string,
    ttl: number,
    claim: string,
    now: number,
    finished: string,
  ): Promise<number>;
};

export class RedisStore implements Store {
  readonly #redis: ScriptedRedis;
  readonly #prefix: string;

  constructor(options: { url: string; prefix: string }) {
    const redis = new Redis(options.url, { maxRetriesPerRequest: 3, lazyConnect: false });
    redis.defineCommand('advanceHead', { numberOfKeys: 1, lua: advanceHeadLua });
    redis.defineCommand('claimEach', { lua: claimEachLua });
    redis.defineCommand('beginApply', { numberOfKeys: 2, lua: beginApplyLua });
    redis.defineCommand('replaceApply', { numberOfKeys: 2, lua: replaceApplyLua });
    this.#redis = redis as ScriptedRedis;
    this.#prefix = options.prefix;
  }

  #key(kind: string, name: string): string {
    return `${this.#prefix}:${kind}:${name}`;
  }

  readonly deliveries: DeliveryLog = {
    claim: async (forge, id) =>
      (await this.#redis.set(this.#key('delivery', `${forge}/${id}`), '1', 'EX', DELIVERY_TTL, 'NX')) ===
      'OK',
    release: async (forge, id) => {
      await this.#redis.del(this.#key('delivery', `${forge}/${id}`));
    },
    claimEach: async (forge, keys, windowMs) => {
      const names = keys.map((key) => this.#key('delivery', `${forge}/${key}`));
      const ms = String(Math.max(1, Math.round(windowMs)));
      return (await this.#redis.claimEach(names.length, ...names, ms)) === 1;
    },
  };

  readonly heads: HeadTracker = {
    advance: async (prKey, mark: HeadMark) => {
      // Compared as numbers: forges write timestamps with and without fractions of a second.
      const at = Date.parse(mark.updatedAt);
      if (Number.isNaN(at)) throw new Error(`not a timestamp: ${mark.updatedAt}`);
      const stored = JSON.stringify({ sha: mark.sha, updatedAt: mark.updatedAt, at });
      return (await this.#redis.advanceHead(this.#key('head', prKey), String(at), stored, HEAD_TTL)) === 1;
    },
    latest: async (prKey) => {
      const raw = await this.#redis.get(this.#key('head', prKey));
      if (!raw) return undefined;
      const { sha, updatedAt } = JSON.parse(raw) as HeadMark;
      return { sha, updatedAt };
    },
  };

  readonly plans: PlanStore = {
    put: async (key, artifact) => {
      const k = this.#key('plan', key);
      await this.#redis
        .multi()
        .hset(k, {
          planFile: artifact.planFile,
          planJson: artifact.planJson,
          planText: artifact.planText,
          createdAt: artifact.createdAt,
          tool: JSON.stringify(artifact.tool),
          seal: artifact.seal ?? '',
        })
        .expire(k, PLAN_TTL)
        .exec();
    },
    get: async (key): Promise<PlanArtifact | undefined> => {
      const k = this.#key('plan', key);
      const [planFile, planJson, planText, createdAt, tool, seal] = await Promise.all([
        this.#redis.hgetBuffer(k, 'planFile'),
        this.#redis.hget(k, 'planJson'),
        this.#redis.hget(k, 'planText'),
        this.#redis.hget(k, 'createdAt'),
        this.#redis.hget(k, 'tool'),
        this.#redis.hget(k, 'seal'),
      ]);
      if (!planFile || planJson === null || planText === null || !createdAt || !tool) return undefined;
      return {
        planFile,
        planJson,
        planText,
        createdAt,
        tool: JSON.parse(tool),
        ...(seal ? { seal } : {}),
      };
    },
  };

  readonly dbt: DbtStore = {
    putPlan: async (key, artifact) => {
      await this.#redis.set(this.#key('dbt-plan', key), JSON.stringify(artifact), 'EX', PLAN_TTL);
    },
    getPlan: async (key) => {
      const raw = await this.#redis.get(this.#key('dbt-plan', key));
      return raw ? (JSON.parse(raw) as DbtPlanArtifact) : undefined;
    },
    putProduction: async (key, production) => {
      await this.#redis.set(this.#key('dbt-production', key), JSON.stringify(production));
    },
    getProduction: async (key) => {
      const raw = await this.#redis.get(this.#key('dbt-production', key));
      return raw ? (JSON.parse(raw) as DbtProduction) : undefined;
    },
    recordDeployment: async (key, repoKey, deployment) => {
      const history = this.#key('dbt-deployments', key);
      await this.#redis
        .multi()
        .lpush(history, JSON.stringify(deployment))
        .ltrim(history, 0, DEPLOYMENTS_KEPT - 1)
        .set(this.#key('dbt-production', key), JSON.stringify(productionOf(deployment)))
        .sadd(this.#key('dbt-projects', repoKey), key)
        .exec();
    },
    deployments: async (key) =>
      (await this.#redis.lrange(this.#key('dbt-deployments', key), 0, -1)).map(
        (raw) => JSON.parse(raw) as DbtDeployment,
      ),
    latestDeployments: async (repoKey) => {
      const keys = (await this.#redis.smembers(this.#key('dbt-projects', repoKey))).sort();
      const latest = await Promise.all(
        keys.map((key) => this.#redis.lindex(this.#key('dbt-deployments', key), 0)),
      );
      return latest.flatMap((raw) => (raw ? [JSON.parse(raw) as DbtDeployment] : []));
    },
  };

  readonly forks: ForkAllowances = {
    allow: async (prKey, allowance) => {
      const k = this.#key('fork-allowed', `${prKey}/${allowance.headSha}`);
      await this.#redis.set(k, JSON.stringify(allowance), 'EX', FORK_TTL);
    },
    get: async (prKey, headSha) => {
      const raw = await this.#redis.get(this.#key('fork-allowed', `${prKey}/${headSha}`));
      return raw ? (JSON.parse(raw) as ForkAllowance) : undefined;
    },
  };

  readonly comments: CommentIds = {
    get: async (prKey, kind) => {
      const raw = await this.#redis.get(this.#key('comments', `${prKey}/${kind}`));
      return raw ? (JSON.parse(raw) as string[]) : [];
    },
    set: async (prKey, kind, ids) => {
      await this.#redis.set(
        this.#key('comments', `${prKey}/${kind}`),
        JSON.stringify(ids),
        'EX',
        COMMENT_TTL,
      );
    },
  };

  readonly pulls: PullStates = {
    get: async (prKey) => {
      const raw = await this.#redis.get(this.#key('pull', prKey));
      return raw ? (JSON.parse(raw) as PullState) : undefined;
    },
    put: async (prKey, state) => {
      await this.#redis
        .multi()
        .set(this.#key('pull', prKey), JSON.stringify(state), 'EX', PLAN_TTL)
        .sadd(this.#key('pulls', repoKey(state.pr.repo)), prKey)
        .exec();
    },
    delete: async (prKey) => {
      const raw = await this.#redis.get(this.#key('pull', prKey));
      const multi = this.#redis.multi().del(this.#key('pull', prKey));
      if (raw) multi.srem(this.#key('pulls', repoKey((JSON.parse(raw) as PullState).pr.repo)), prKey);
      await multi.exec();
    },
    listByRepo: async (repo) => {
      const index = this.#key('pulls', repo);
      const keys = await this.#redis.smembers(index);
      if (keys.length === 0) return [];
      const raws = await this.#redis.mget(keys.map((k) => this.#key('pull', k)));
      const gone = keys.filter((_, i) => !raws[i]);
      if (gone.length) await this.#redis.srem(index, ...gone);
      return raws.filter((r): r is string => Boolean(r)).map((r) => JSON.parse(r) as PullState);
    },
  };

  /** Attempt records under `apply:<claim>`; the unfinished ones also in the sorted set `applies-open`. */
  readonly applies: ApplyJournal = {
    begin: async (attempt) =>
      (await this.#redis.beginApply(
        this.#key('apply', attempt.claim),
        this.#key('applies-open', 'all'),
        JSON.stringify(attempt),
        APPLY_TTL,
        attempt.claim,
        Date.now(),
      )) === 1,
    get: async (claim) => {
      const raw = await this.#redis.get(this.#key('apply', claim));
      return raw ? (JSON.parse(raw) as ApplyAttempt) : undefined;
    },
    update: async (attempt) => this.#replaceAttempt(attempt.attemptId, attempt),
    takeOver: async (fromAttemptId, next) => this.#replaceAttempt(fromAttemptId, next),
    release: async (claim) => {
      await this.#redis
        .multi()
        .del(this.#key('apply', claim))
        .zrem(this.#key('applies-open', 'all'), claim)
        .exec();
    },
    unfinished: async (limit) => {
      const open = this.#key('applies-open', 'all');
      const claims = await this.#redis.zrange(open, 0, limit - 1);
      if (claims.length === 0) return [];
      const raws = await this.#redis.mget(claims.map((c) => this.#key('apply', c)));
      const gone = claims.filter((_, i) => !raws[i]);
      if (gone.length) await this.#redis.zrem(open, ...gone);
      return raws
        .filter((r): r is string => Boolean(r))
        .map((r) => JSON.parse(r) as ApplyAttempt)
        .filter((a) => a.phase !== 'finished');
    },
  };

  async #replaceAttempt(current: string, attempt: ApplyAttempt): Promise<boolean> {
    return (
      (await this.#redis.replaceApply(
        this.#key('apply', attempt.claim),
        this.#key('applies-open', 'all'),
        current,
        JSON.stringify(attempt),
        APPLY_TTL,
        attempt.claim,
        Date.now(),
        attempt.phase === 'finished' ? '1' : '0',
      )) === 1
    );
  }

  async ping(): Promise<void> {
    await this.#redis.ping();
  }

  async close(): Promise<void> {
    await this.#redis.quit();
  }
}
