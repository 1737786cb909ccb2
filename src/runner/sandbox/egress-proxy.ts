import { lookup } from 'node:dns/promises';
import { unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, isIP, type Socket } from 'node:net';
import { isForbiddenAddress } from './address-policy.js';

/** Hosts every sandbox with the network on may reach: provider and module registries and their downloads. */
export const DEFAULT_EGRESS_HOSTS = [
  'registry.opentofu.org',
  'registry.terraform.io',
  'releases.hashicorp.com',
  'github.com',
  'codeload.github.com',
  'objects.githubusercontent.com',
  'release-assets.githubusercontent.com',
  'hub.getdbt.com',
];

/** Resolves a name to its addresses; injected so tests can map names to local servers. */
export type Resolve = (host: string) => Promise<string[]>;

export const systemResolve: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export interface EgressRefusal {
  host: string;
  port: number;
  reason: string;
}

export interface EgressOptions {
  /** The Unix socket path to listen on (in a server-owned folder). */
  socket: string;
  /**
   * `host` (port 443), `host:port`, or `*.domain` (any subdomain, port 443). Case-insensitive. An IP
   * address listed by number is reachable even in a private or loopback range: the admin named it.
   */
  allowed: string[];
  resolve?: Resolve;
  /** Told about every refused connection, for the log. */
  onRefused?: (refusal: EgressRefusal) => void;
  /**
   * Addresses never connected to; default isForbiddenAddress. A seam for tests that tunnel to a local
   * server: they exempt that one address and nothing else.
   */
  forbidden?: (address: string) => boolean;
  /** Refuse a connection that has not opened within this time. Default 30 s. */
  connectTimeoutMs?: number;
}

export interface Egress {
  socket: string;
  close(): Promise<void>;
}

/** Whether `host:port` is on the allow-list. Pure. */
export function isAllowedTarget(allowed: string[], host: string, port: number): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return allowed.some((entry) => {
    const lower = entry.toLowerCase();
    const colon = lower.lastIndexOf(':');
    const [pattern, entryPort] =
      colon > 0 && /^\d+$/.test(lower.slice(colon + 1))
        ? [lower.slice(0, colon), Number(lower.slice(colon + 1))]
        : [lower, 443];
    if (entryPort !== port) return false;
    return pattern.startsWith('*.') ? name.endsWith(pattern.slice(1)) : name === pattern;
  });
}

/** `host:port` of a CONNECT request, IPv6 literals in brackets; undefined when malformed. */
function parseTarget(url: string | undefined): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(url ?? '');
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (match[1] ?? match[2] ?? '').toLowerCase(), port };
}

/**
 * An HTTP CONNECT proxy on a Unix socket: the sandbox's only way out. It tunnels to allowed hosts
 * only, resolves the name itself and connects to the address it checked, refusing loopback, private,
 * link-local, CGNAT and unique-local addresses even for an allowed name (DNS rebinding).
 */
export async function startEgressProxy(options: EgressOptions): Promise<Egress> {
  const resolve = options.resolve ?? systemResolve;
  const forbidden = options.forbidden ?? isForbiddenAddress;
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    response.writeHead(405, { 'content-type': 'text/plain', connection: 'close' });
    response.end("Sluice's egress proxy only tunnels HTTPS (CONNECT host:443)\n");
    request.resume();
  });
  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = parseTarget(request.url);
    const refuse = (status: string, reason: string) => {
      options.onRefused?.({ host: target?.host ?? String(request.url), port: target?.port ?? 0, reason });
      client.end(
        `HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nsluice egress: ${reason}\n`,
      );
    };
    if (!target) return refuse('400 Bad Request', 'not a host:port');
    if (!isAllowedTarget(options.allowed, target.host, target.port)) {
      return refuse('403 Forbidden', `${target.host}:${target.port} is not on the allow-list`);
    }
    // An address the admin put on the list by number is theirs to allow (an internal state backend);
    // a name is always checked against the address policy, whatever it resolves to.
    const literal = isIP(target.host) !== 0;
    const addresses = literal ? Promise.resolve([target.host]) : resolve(target.host);
    addresses.then(
      (found) => {
        const bad = literal ? undefined : found.find(forbidden);
        if (found.length === 0 || bad !== undefined) {
          return refuse(
            '403 Forbidden',
            `${target.host} resolves to ${bad ?? 'nothing'}, an address the sandbox may not reach`,
          );
        }
        const upstream = connect({ host: found[0], port: target.port });
        sockets.add(upstream);
        upstream.setTimeout(options.connectTimeoutMs ?? 30_000, () =>
          upstream.destroy(new Error('connect timeout')),
        );
        upstream.once('connect', () => {
          upstream.setTimeout(0);
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length > 0) upstream.write(head);
          upstream.pipe(client);
          client.pipe(upstream);
        });
        upstream.on('close', () => {
          sockets.delete(upstream);
          client.destroy();
        });
        upstream.on('error', (error) => {
          if (!client.destroyed && client.bytesWritten === 0) {
            refuse('502 Bad Gateway', `cannot reach ${target.host}:${target.port}: ${error.message}`);
          }
        });
        client.on('close', () => upstream.destroy());
      },
      (error: Error) => refuse('502 Bad Gateway', `cannot resolve ${target.host}: ${error.message}`),
    );
  });
  await unlink(options.socket).catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socket, () => resolve());
  });
  return {
    socket: options.socket,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await unlink(options.socket).catch(() => undefined);
    },
  };
}

/**
 * The loopback `ip:port` entries of an allow-list (e.g. a state backend on the host's 127.0.0.1:8500):
 * the forwarder listens on the same address inside the sandbox and tunnels it through the proxy, since
 * clients never send loopback traffic to a proxy.
 */
export function loopbackForwards(allowed: string[]): string[] {
  return allowed.filter((entry) => /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d{1,5}$/.test(entry));
}
