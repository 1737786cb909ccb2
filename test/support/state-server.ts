import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Terraform/OpenTofu `http` state backend on 127.0.0.1, as real deployments keep state remotely:
 * GET/POST/DELETE /state/<name>, LOCK/UNLOCK /lock/<name>. It records every state write, and counts a
 * write without the lock, or a second LOCK while locked, as an overlap.
 */
export interface StateServer {
  url: string;
  /** The backend block for a configuration using state `name`. */
  backend(name: string): string;
  /** Serials written to `name`, in order. */
  serials(name: string): number[];
  /** The current state document of `name`, if any. */
  state(name: string): { serial: number; resources?: Array<{ type: string; name: string }> } | undefined;
  /** The id of the state lock held on `name`, if any: a lock a killed tool left behind. */
  lockHeld(name: string): string | undefined;
  /** Concurrent applies that collided on one state (must stay 0). */
  overlaps: number;
  /** State writes while another holder had the lock (a lock probe that was refused does not count). */
  unlockedWrites: number;
  /** Every lock, unlock and state write, in order (for fault tests that kill at a point). */
  events: Array<{ kind: 'lock' | 'unlock' | 'write'; name: string; serial?: number; at: number }>;
  /** Answers each state write this many ms after storing it: a kill then lands during the write. */
  writeDelayMs: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

export async function startStateServer(): Promise<StateServer> {
  const states = new Map<string, string>();
  const locks = new Map<string, string>();
  const lockInfo = new Map<string, string>();
  const writes = new Map<string, number[]>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, kind, name = ''] = url.pathname.split('/');
    const body = await readBody(req);
    if (kind === 'state') {
      if (req.method === 'GET') {
        const state = states.get(name);
        if (!state) return res.writeHead(204).end();
        return res.writeHead(200, { 'content-type': 'application/json' }).end(state);
      }
      if (req.method === 'POST') {
        const lockId = url.searchParams.get('ID');
        const held = locks.get(name);
        if (held && held !== lockId) {
          result.overlaps++;
          result.unlockedWrites++;
        }
        states.set(name, body);
        const serial = (JSON.parse(body) as { serial: number }).serial;
        writes.set(name, [...(writes.get(name) ?? []), serial]);
        result.events.push({ kind: 'write', name, serial, at: Date.now() });
        if (result.writeDelayMs > 0) await new Promise((r) => setTimeout(r, result.writeDelayMs));
        return res.writeHead(200).end();
      }
      if (req.method === 'DELETE') {
        states.delete(name);
        return res.writeHead(200).end();
      }
    }
    if (kind === 'lock') {
      const info = body ? (JSON.parse(body) as { ID: string }) : undefined;
      if (req.method === 'LOCK') {
        const held = locks.get(name);
        if (held) {
          result.overlaps++;
          // As real http backends do: the holder's whole lock info (ID, Who, Operation, Created, …).
          return res.writeHead(423, { 'content-type': 'application/json' }).end(lockInfo.get(name) ?? held);
        }
        locks.set(name, info?.ID ?? 'unknown');
        lockInfo.set(name, body);
        result.events.push({ kind: 'lock', name, at: Date.now() });
        return res.writeHead(200).end();
      }
      if (req.method === 'UNLOCK') {
        // A force-unlock names the lock it removes: another id leaves the lock alone.
        if (info?.ID && locks.get(name) && locks.get(name) !== info.ID) {
          return res.writeHead(409, { 'content-type': 'application/json' }).end(lockInfo.get(name) ?? '');
        }
        locks.delete(name);
        lockInfo.delete(name);
        result.events.push({ kind: 'unlock', name, at: Date.now() });
        return res.writeHead(200).end();
      }
    }
    res.writeHead(405).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const result: StateServer = {
    url,
    overlaps: 0,
    unlockedWrites: 0,
    events: [],
    writeDelayMs: 0,
    backend: (name) =>
      `terraform {\n  backend "http" {\n    address        = "${url}/state/${name}"\n    lock_address   = "${url}/lock/${name}"\n    unlock_address = "${url}/lock/${name}"\n  }\n}\n`,
    serials: (name) => writes.get(name) ?? [],
    lockHeld: (name) => locks.get(name),
    state: (name) => {
      const raw = states.get(name);
      return raw ? JSON.parse(raw) : undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return result;
}
