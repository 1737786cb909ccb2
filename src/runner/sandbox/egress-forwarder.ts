/**
 * The forwarder that runs inside the sandbox (as `node forwarder.cjs PORT SOCKET -- argv…`): it listens
 * on the sandbox's own 127.0.0.1:PORT, pipes each connection to the egress proxy's Unix socket (the only
 * way out of the sandbox's network namespace), then runs the step and exits with the step's code.
 * Kept as source text: the sandbox gets a copy written by the server, not a file of Sluice's install
 * (which is hidden from it).
 */
export const FORWARDER_SOURCE = `'use strict';
const net = require('node:net');
const { spawn } = require('node:child_process');
const argv = process.argv.slice(2);
const dashes = argv.indexOf('--');
const [port, socket, ...forwards] = dashes < 0 ? [] : argv.slice(0, dashes);
const [command, ...args] = dashes < 0 ? [] : argv.slice(dashes + 1);
if (!port || !socket || !command) {
  process.stderr.write('sluice forwarder: usage: forwarder.cjs PORT SOCKET [IP:PORT...] -- COMMAND [ARG...]\\n');
  process.exit(127);
}
const pipeBoth = (client, upstream) => {
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
};
const server = net.createServer((client) => {
  const upstream = net.connect(socket);
  client.pipe(upstream);
  upstream.pipe(client);
  pipeBoth(client, upstream);
});
// A loopback address the admin allowed: the same address here, tunnelled with CONNECT.
const listening = [];
for (const target of forwards) {
  const colon = target.lastIndexOf(':');
  const forward = net.createServer((client) => {
    client.pause();
    const upstream = net.connect(socket, () => upstream.write('CONNECT ' + target + ' HTTP/1.1\\r\\nHost: ' + target + '\\r\\n\\r\\n'));
    pipeBoth(client, upstream);
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\\r\\n\\r\\n');
      if (end < 0) return;
      upstream.off('data', onData);
      if (!/^HTTP\\/1\\.[01] 200/.test(head.toString('latin1'))) return client.destroy();
      const rest = head.subarray(end + 4);
      if (rest.length > 0) client.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    };
    upstream.on('data', onData);
  });
  listening.push(new Promise((resolve, reject) => {
    forward.once('error', reject);
    forward.listen(Number(target.slice(colon + 1)), target.slice(0, colon), resolve);
  }));
}
server.on('error', (error) => {
  process.stderr.write('sluice forwarder: cannot listen on 127.0.0.1:' + port + ': ' + error.message + '\\n');
  process.exit(127);
});
server.listen(Number(port), '127.0.0.1', async () => {
  try {
    await Promise.all(listening);
  } catch (error) {
    process.stderr.write('sluice forwarder: cannot listen for a forwarded address: ' + error.message + '\\n');
    process.exit(127);
  }
  const child = spawn(command, args, { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write('sluice: cannot run ' + command + ': ' + error.message + '\\n');
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    const os = require('node:os');
    process.exit(code ?? 128 + (os.constants.signals[signal] || 0));
  });
});
`;
