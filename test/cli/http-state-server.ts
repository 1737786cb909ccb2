import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A state store for OpenTofu's `http` backend, as the backend speaks to it: GET the state (404: none
 * yet), POST a new one, LOCK and UNLOCK (the default lock methods; 423 while another holds the lock),
 * DELETE. Every request must carry HTTP basic auth with the given credentials, else 401.
 */
export interface HttpStateServer {
  /** e.g. http://127.0.0.1:41234/state */
  address: string;
  /** "METHOD status" per request, in order. */
  requests: string[];
  state(): string | undefined;
  close(): Promise<void>;
}

export async function startHttpStateServer(credentials: {
  username: string;
  password: string;
}): Promise<HttpStateServer> {
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const requests: string[] = [];
  let state: string | undefined;
  let lock: string | undefined;
  const server: Server = createServer(async (req, res) => {
    const body = await read(req);
    const answer = (status: number, text = '') => {
      requests.push(`${req.method} ${status}`);
      res.writeHead(status, { 'content-type': 'application/json' }).end(text);
    };
    if (req.headers.authorization !== expected) {
      res.setHeader('www-authenticate', 'Basic realm="state"');
      return answer(401, '{"error":"unauthorized"}');
    }
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/state') return answer(404);
    switch (req.method) {
      case 'GET':
        return state === undefined ? answer(404) : answer(200, state);
      case 'POST':
        state = body;
        return answer(200);
      case 'DELETE':
        state = undefined;
        return answer(200);
      case 'LOCK':
        if (lock !== undefined) return answer(423, lock);
        lock = body;
        return answer(200);
      case 'UNLOCK':
        lock = undefined;
        return answer(200);
      default:
        return answer(405);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}/state`,
    requests,
    state: () => state,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
