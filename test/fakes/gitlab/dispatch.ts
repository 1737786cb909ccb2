import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { Answer, IncomingCall } from '../shared/fake-server.js';
import { GitLabError } from './gitlab-error.js';
import { type HandlerResult, routes } from './handlers.js';
import { paginate } from './pagination.js';
import type { Urls } from './representations.js';
import { createRouter } from './router.js';
import type { FakeGitLabState, UserRecord } from './state.js';

export const API_PREFIX = '/api/v4';

export type { Answer, IncomingCall } from '../shared/fake-server.js';

interface Outcome {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  problem?: string;
}

function describe(error: z.ZodError, where: string): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? `${where}.${issue.path.join('.')}` : where;
    return `${path}: ${issue.message}`;
  });
}

function invalid(problems: string[]): GitLabError {
  return new GitLabError(400, problems.join('; '), { violation: true, key: 'error' });
}

/** `PRIVATE-TOKEN: <token>` (what gitbeaker sends) or `Authorization: Bearer <token>`. */
function authenticate(state: FakeGitLabState, headers: IncomingHttpHeaders): UserRecord {
  const privateToken = headers['private-token'];
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  const token = typeof privateToken === 'string' ? privateToken : bearer;
  const user = token === undefined ? undefined : state.tokenUser(token);
  if (!user) {
    const why = token === undefined ? 'no PRIVATE-TOKEN header' : 'a token the fake never issued';
    throw new GitLabError(401, `401 Unauthorized (${why})`, { violation: true });
  }
  return user;
}

function parseBody(call: IncomingCall): unknown {
  if (call.body.length === 0) return undefined;
  const type = String(call.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) {
    throw invalid([`body: sent as ${type || 'no content type'}; the fake takes application/json`]);
  }
  try {
    return JSON.parse(call.body.toString('utf8'));
  } catch {
    throw invalid(['body: not valid JSON']);
  }
}

/** Routes, authenticates and validates one call, runs its handler and checks the answer against the schema. */
export function createDispatcher(options: {
  state: FakeGitLabState;
  urls: Urls;
}): (call: IncomingCall) => Answer {
  const route = createRouter(routes);
  const { state, urls } = options;

  function run(call: IncomingCall): Outcome {
    const path = call.url.pathname;
    if (!path.startsWith(`${API_PREFIX}/`)) {
      throw new GitLabError(404, `404 Not Found (the API is served under ${API_PREFIX})`, {
        violation: true,
        key: 'error',
      });
    }
    const match = route(call.method, path.slice(API_PREFIX.length));
    if (match.kind === 'wrong-method') {
      throw new GitLabError(405, `405 Method Not Allowed (only ${match.allowed.join(', ')} here)`, {
        violation: true,
      });
    }
    if (match.kind === 'unknown') {
      throw new GitLabError(404, "404 Not Found (no such endpoint in the fake's documented subset)", {
        violation: true,
        key: 'error',
      });
    }
    const { spec } = match.route;
    const user = authenticate(state, call.headers);
    const params = spec.params.safeParse(match.params);
    const query = spec.query.safeParse(Object.fromEntries(call.url.searchParams));
    const raw = parseBody(call);
    const problems = [
      ...(params.success ? [] : describe(params.error, 'path')),
      ...(query.success ? [] : describe(query.error, 'query')),
    ];
    let body: unknown;
    if (!spec.body) {
      if (raw !== undefined) problems.push(`body: ${spec.method} ${spec.path} takes no body`);
    } else if (raw === undefined && spec.method !== 'DELETE') {
      problems.push('body: required');
    } else if (raw !== undefined) {
      const parsed = spec.body.safeParse(raw);
      if (parsed.success) body = parsed.data;
      else problems.push(...describe(parsed.error, 'body'));
    }
    if (problems.length > 0 || !params.success || !query.success) throw invalid(problems);

    const result: HandlerResult = match.route.handle({
      state,
      urls,
      user,
      params: params.data,
      query: query.data,
      body,
    });
    const checked = spec.response.safeParse(result.body);
    if (!checked.success) {
      const broken = describe(checked.error, 'response').join('; ');
      throw new GitLabError(500, `the fake's own answer breaks ${spec.doc}: ${broken}`, { violation: true });
    }
    if (!spec.paginated) return { status: spec.status, body: result.body, headers: result.headers };
    const page = paginate(
      result.body as unknown[],
      query.data as { page?: number; per_page?: number },
      call.url,
    );
    return { status: spec.status, body: page.items, headers: { ...result.headers, ...page.headers } };
  }

  return (call) => {
    const where = `${call.method} ${call.url.pathname}${call.url.search}`;
    let outcome: Outcome;
    try {
      outcome = run(call);
    } catch (error) {
      outcome =
        error instanceof GitLabError
          ? { status: error.status, body: error.body, problem: error.violation ? error.message : undefined }
          : {
              status: 500,
              body: { message: '500 Internal Server Error' },
              problem: `the fake crashed: ${error instanceof Error ? error.stack : String(error)}`,
            };
    }
    return {
      status: outcome.status,
      body: outcome.body,
      headers: { 'x-request-id': randomUUID(), ...outcome.headers },
      violation: outcome.problem && `${where} -> ${outcome.status}: ${outcome.problem}`,
    };
  };
}
