// What proxyharness's Node.js agents share: the command protocol (one JSON request on
// standard input, one JSON answer on standard output; docs/agents.md), the `hosts`
// table applied to Node's resolver, and error kinds from Node's error codes.
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

// Certificate errors of Node's TLS (error.code), whichever hop they come from.
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_|SELF_SIGNED_)/;

export class Failure extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

// The call cannot be expressed with this client: the case is N/A with this reason.
export class Unsupported extends Error {}

// The harness's names are virtual: map those of `hosts` in dns.lookup, which every
// connection of Node's net and tls modules goes through. An empty table changes nothing.
export function applyHosts(hosts) {
  const table = new Map(Object.entries(hosts || {}).map(([name, address]) => [name.toLowerCase(), address]));
  if (table.size === 0) return;
  const systemLookup = dns.lookup;
  dns.lookup = function lookup(hostname, options, callback) {
    if (typeof options === 'function') [callback, options] = [options, {}];
    if (typeof options === 'number') options = { family: options };
    const address = table.get(String(hostname).toLowerCase());
    if (address === undefined) return systemLookup(hostname, options, callback);
    const family = net.isIPv6(address) ? 6 : 4;
    if (options && options.all) return process.nextTick(callback, null, [{ address, family }]);
    return process.nextTick(callback, null, address, family);
  };
  syncBuiltinESMExports();
}

// The installed version of a dependency (read from its package.json, which a package's
// "exports" may not expose to require).
export function packageVersion(name) {
  const url = new URL(`./node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')).version;
}

export function readPem(path) {
  return path ? readFileSync(path) : undefined;
}

function tlsKind(proxyScheme, uri) {
  if (proxyScheme !== 'https') return 'server-tls';
  return uri.startsWith('wss:') ? 'tls' : 'proxy-tls';
}

// The kind of an error from Node's own codes and messages (Failure: already known).
// `proxyScheme` is the scheme of the proxy the client was given (null: none known).
export function nodeKind(error, { proxyScheme, uri }) {
  if (error instanceof Failure) return error.kind;
  const code = error.code || '';
  const message = String(error.message || error);
  if (/timed? ?out/i.test(message) || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout';
  if (code === 'ECONNREFUSED' || /connect ECONNREFUSED/.test(message)) return proxyScheme ? 'refused' : 'server-failed';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return proxyScheme ? 'proxy-refused' : 'server-failed';
  if (TLS_CODES.test(code) || /certificate|SSL routines|self.signed/i.test(message)) return tlsKind(proxyScheme, uri);
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|other side closed|read ECONNRESET/i.test(message)) {
    return 'lost';
  }
  return 'unknown';
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

// Run one request: `describe()` returns the description, `exchange(request)` the echo
// (or throws: Unsupported, Failure, or the client's own error, named by `kindOf`).
export async function serve({ describe, exchange, kindOf }) {
  const request = await readStdin();
  let answer;
  if (request.request === 'describe') {
    answer = describe();
  } else {
    applyHosts(request.hosts);
    try {
      answer = { echo: await exchange(request) };
    } catch (error) {
      if (error instanceof Unsupported) answer = { unsupported: error.message };
      else answer = { error: { kind: kindOf(error, request), message: String(error.message || error) } };
    }
  }
  // Exit once written: a connection a failed attempt left behind must not keep it alive.
  process.stdout.write(`${JSON.stringify(answer)}\n`, () => process.exit(0));
}

// Settle once: the first of echo, error or close wins. No timer of our own: a client
// that never ends is the harness's to judge ("agent hung"), and to stop.
export function settleOnce(resolve, reject) {
  let settled = false;
  const finish = (outcome) => {
    if (settled) return;
    settled = true;
    outcome();
  };
  return {
    resolve: (value) => finish(() => resolve(value)),
    reject: (error) => finish(() => reject(error)),
  };
}
