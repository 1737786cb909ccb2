import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One HTTP call as a fake's dispatcher sees it: raw bytes, parsed URL. */
export interface IncomingCall {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What a fake's dispatcher answers. */
export interface Answer {
  status: number;
  body?: unknown;
  headers: Record<string, string>;
  /** Set when the call shows a bug in the caller or in the fake. */
  violation?: string;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  status: number;
  /** When the call arrived (ms since the epoch). */
  at: number;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** What every fake forge offers a test besides its own state: the record of calls, waiting, closing. */
export interface FakeServerControls {
  /** Every call the fake refused as a caller bug, or could not answer within its description. */
  violations: string[];
  requests: RequestLogEntry[];
  /** Throws listing every violation, if there were any (call it in afterEach). */
  assertNoViolations(): void;
  /** Polls until `predicate` holds; throws after `timeoutMs` (default 10 s). */
  waitFor(predicate: () => boolean | Promise<boolean>, options?: WaitOptions): Promise<void>;
  close(): Promise<void>;
}

export interface FakeServer extends FakeServerControls {
  /** http://127.0.0.1:PORT */
  url: string;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Polls `predicate` every `intervalMs` until it holds; throws `describe()` after `timeoutMs`. */
export async function pollUntil(
  predicate: () => boolean | Promise<boolean>,
  describe: (timeoutMs: number) => string,
  { timeoutMs = 10_000, intervalMs = 25 }: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(describe(timeoutMs));
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Serves `dispatch` on a random loopback port: reads each body whole, logs every call, collects
 * violations, answers JSON with `jsonType`. `name` ("fake GitHub") starts every error it throws.
 */
export async function startFakeServer(options: {
  name: string;
  jsonType: string;
  dispatch: (call: IncomingCall) => Answer;
}): Promise<FakeServer> {
  const violations: string[] = [];
  const requests: RequestLogEntry[] = [];
  let base = 'http://127.0.0.1';

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    const answer = options.dispatch({ method, url, headers: req.headers, body });
    if (answer.violation) violations.push(answer.violation);
    requests.push({ method, path: url.pathname, query: url.search, status: answer.status, at: Date.now() });
    const payload = answer.body === undefined ? undefined : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...answer.headers,
      ...(payload === undefined ? {} : { 'content-type': options.jsonType }),
    });
    res.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  const seen = () => (violations.length > 0 ? `; violations so far:\n${violations.join('\n')}` : '');

  return {
    url: base,
    violations,
    requests,
    assertNoViolations() {
      if (violations.length > 0) {
        throw new Error(`${options.name} saw ${violations.length} violation(s):\n${violations.join('\n')}`);
      }
    },
    waitFor: (predicate, wait) =>
      pollUntil(predicate, (ms) => `${options.name}: condition not met within ${ms} ms${seen()}`, wait),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
