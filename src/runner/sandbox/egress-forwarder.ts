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
const [port, socket, dashes, command, ...args] = process.argv.slice(2);
if (dashes !== '--' || !command) {
  process.stderr.write('sluice forwarder: usage: forwarder.cjs PORT SOCKET -- COMMAND [ARG...]\\n');
  process.exit(127);
}
const server = net.createServer((client) => {
  const upstream = net.connect(socket);
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.on('error', (error) => {
  process.stderr.write('sluice forwarder: cannot listen on 127.0.0.1:' + port + ': ' + error.message + '\\n');
  process.exit(127);
});
server.listen(Number(port), '127.0.0.1', () => {
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
