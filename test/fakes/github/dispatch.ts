import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Answer, IncomingCall } from '../shared/fake-server.js';
import { type AppKeys, checkAppJwt } from './app-auth.js';
import { GitHubError } from './github-error.js';
import { type HandlerResult, handlers } from './handlers.js';
import { errorBody, type Urls } from './representations.js';
import { createRouter } from './router.js';
import type { Operation } from './spec.js';
import type { FakeState } from './state.js';
import { createValidators } from './validate.js';

const TOKEN_OPERATION = 'apps/create-installation-access-token';
const DOCS = 'https://docs.github.com/rest';

export type { Answer, IncomingCall } from '../shared/fake-server.js';

export interface DispatchOptions {
  prefix: string;
  operations: Operation[];
  state: FakeState;
  keys: AppKeys;
  urls: Urls;
}

function credentials(headers: IncomingHttpHeaders): { scheme: string; value: string } | undefined {
  const match = /^(\w+)\s+(\S+)$/.exec(headers.authorization ?? '');
  return match?.[1] && match[2] ? { scheme: match[1].toLowerCase(), value: match[2] } : undefined;
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new GitHubError(400, 'Problems parsing JSON', { violation: true });
  }
}

/** Routes, authenticates and validates one call, runs its handler and checks the answer against the schema. */
export function createDispatcher(options: DispatchOptions): (call: IncomingCall) => Answer {
  const route = createRouter(options.operations);
  const validators = createValidators(options.operations);
  const { state, keys, urls } = options;

  function authenticate(operation: Operation, headers: IncomingHttpHeaders): number | undefined {
    const given = credentials(headers);
    if (operation.operationId === TOKEN_OPERATION) {
      const problem =
        given?.scheme === 'bearer'
          ? checkAppJwt(given.value, keys)
          : 'expected "Authorization: Bearer <app JWT>"';
      if (problem)
        throw new GitHubError(401, `A JSON web token could not be decoded (${problem})`, { violation: true });
      return undefined;
    }
    const installationId =
      given && (given.scheme === 'token' || given.scheme === 'bearer')
        ? state.tokenInstallation(given.value)
        : undefined;
    if (installationId === undefined) {
      const why = given
        ? 'the token is not a live installation token issued by the fake'
        : 'no Authorization header';
      throw new GitHubError(401, `Bad credentials (${why})`, { violation: true });
    }
    return installationId;
  }

  /** `matched` learns the operation as soon as routing finds it, so error answers are checked too. */
  function run(call: IncomingCall, matched: { operation?: Operation }): HandlerResult {
    const path = call.url.pathname;
    if (!path.startsWith(`${options.prefix}/`)) {
      throw new GitHubError(404, `Not Found (the API is served under ${options.prefix})`, {
        violation: true,
      });
    }
    const match = route(call.method, path.slice(options.prefix.length));
    if (match.kind !== 'found') {
      const why = match.kind === 'wrong-method' ? `only ${match.allowed.join(', ')} here` : 'no such route';
      throw new GitHubError(404, `Not Found (${why} in the fake's OpenAPI subset)`, { violation: true });
    }
    const { operation, params } = match;
    matched.operation = operation;
    const installationId = authenticate(operation, call.headers);
    const input = {
      params: { ...params },
      query: Object.fromEntries(call.url.searchParams),
      body: parseJson(call.body),
    };
    const problems = validators.get(operation.operationId)?.request(input) ?? [];
    if (problems.length > 0) {
      throw new GitHubError(422, `Invalid request.\n\n${problems.join('\n')}`, { violation: true });
    }
    const handler = handlers[operation.operationId];
    if (!handler)
      throw new GitHubError(501, `the fake has no handler for ${operation.operationId}`, { violation: true });
    return handler({ state, urls, requestUrl: call.url, ...input, installationId });
  }

  function failure(error: unknown): HandlerResult & { problem?: string } {
    if (error instanceof GitHubError) {
      return {
        status: error.status,
        body: errorBody(error.message, DOCS, error.errors),
        problem: error.violation ? error.message : undefined,
      };
    }
    const message = `the fake crashed: ${error instanceof Error ? error.stack : String(error)}`;
    return { status: 500, body: errorBody(message, DOCS), problem: message };
  }

  return (call) => {
    const where = `${call.method} ${call.url.pathname}${call.url.search}`;
    const headers = { 'x-github-request-id': randomUUID(), 'x-github-media-type': 'github.v3; format=json' };
    if (
      state.secondaryLimitedWrites > 0 &&
      call.method !== 'GET' &&
      !call.url.pathname.endsWith('/access_tokens')
    ) {
      // GitHub's answer when an integration writes too fast (docs: "secondary rate limits").
      state.secondaryLimitedWrites -= 1;
      return {
        status: 403,
        body: errorBody(
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          `${DOCS}/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
        ),
        headers: { ...headers, 'retry-after': '1' },
      };
    }
    const matched: { operation?: Operation } = {};
    let result: HandlerResult & { problem?: string };
    try {
      result = run(call, matched);
    } catch (error) {
      result = failure(error);
    }
    const validator = matched.operation && validators.get(matched.operation.operationId);
    const broken = validator?.response(result.status, result.body) ?? [];
    if (broken.length > 0) {
      const message = `the fake's own ${result.status} answer breaks the schema: ${broken.join('; ')}`;
      result = failure(new GitHubError(500, message, { violation: true }));
    }
    return {
      status: result.status,
      body: result.body,
      headers: { ...headers, ...result.headers },
      violation: result.problem && `${where} -> ${result.status}: ${result.problem}`,
    };
  };
}
