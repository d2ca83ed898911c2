#!/usr/bin/env node
// A proxyharness command agent (see docs/agents.md): the Node.js WebSocket client `ws`,
// with `https-proxy-agent` for HTTP(S) proxies, `socks-proxy-agent` for SOCKS proxies
// and `proxy-from-env` for the environment, used the way a Node.js program uses them.
//
//   proxyharness run --agent "command:node examples/command-agent-node/agent.mjs"
//
// One JSON request on standard input, one JSON answer on standard output.
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';

import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';
import { SocksProxyAgent } from 'socks-proxy-agent';
import WebSocket from 'ws';

const CAPABILITIES = [
  'explicit-proxy',
  'no-proxy',
  'proxy-ssl',
  'proxy-server-hostname',
  'server-hostname',
  'open-timeout',
  'additional-headers',
];
// Certificate errors of Node's TLS (error.code), whichever hop they come from.
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_|SELF_SIGNED_)/;

class Failure extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

function describe() {
  const require = createRequire(import.meta.url);
  const { version } = require('ws/package.json');
  return { name: 'node-ws', version: `ws ${version}, node ${process.versions.node}`, capabilities: CAPABILITIES };
}

// The harness's names are virtual: resolve them from its `hosts` table, others as usual.
function lookupFrom(hosts) {
  return (hostname, options, callback) => {
    if (typeof options === 'function') [callback, options] = [options, {}];
    const address = hosts[hostname.toLowerCase()];
    if (address === undefined) return dns.lookup(hostname, options, callback);
    const family = net.isIPv6(address) ? 6 : 4;
    if (options && options.all) return callback(null, [{ address, family }]);
    return callback(null, address, family);
  };
}

// proxy: true = from the environment (proxy-from-env: <scheme>_proxy, all_proxy, no_proxy).
function proxyFor(request) {
  if (request.proxy === null) return null;
  if (typeof request.proxy === 'string') return request.proxy;
  return getProxyForUrl(request.uri) || null;
}

function proxyAgent(proxy, request, lookup) {
  let url;
  try {
    url = new URL(proxy);
  } catch {
    throw new Failure('invalid-proxy', 'the proxy URL cannot be parsed');
  }
  const scheme = url.protocol.slice(0, -1);
  const timeout = request.options.open_timeout * 1000;
  if (scheme === 'http' || scheme === 'https') {
    const options = { lookup, timeout };
    if (request.proxy_ca) options.ca = readFileSync(request.proxy_ca);
    if (request.options.proxy_server_hostname) options.servername = request.options.proxy_server_hostname;
    return new HttpsProxyAgent(url, options);
  }
  if (SocksProxyAgent.protocols.includes(scheme)) return new SocksProxyAgent(url, { timeout });
  throw new Failure('invalid-proxy', `proxy scheme ${scheme} is not supported`);
}

// Which hop a TLS failure belongs to, from the schemes alone.
function tlsKind(proxyScheme, uri) {
  const secureServer = uri.startsWith('wss:');
  if (proxyScheme !== 'https') return 'server-tls';
  return secureServer ? 'tls' : 'proxy-tls';
}

function kindOf(error, context) {
  if (error instanceof Failure) return error.kind;
  const { proxyScheme, connect, uri } = context;
  const code = error.code || '';
  const message = String(error.message || error);
  if (error instanceof SyntaxError) return 'invalid-uri';
  if (/timed out/i.test(message) || code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ECONNREFUSED') return proxyScheme ? 'proxy-refused' : 'server-failed';
  if (code === 'ENOTFOUND') return proxyScheme ? 'proxy-refused' : 'server-failed';
  if (TLS_CODES.test(code) || /certificate|SSL routines/i.test(message)) return tlsKind(proxyScheme, uri);
  const status = /^Unexpected server response: (\d+)/.exec(message);
  if (status) return connect && connect.statusCode !== 200 ? 'proxy-rejected' : 'handshake-rejected';
  if (/rejected|Authentication failed|no accepted authentication/i.test(message)) return 'proxy-rejected';
  if (/^(Socket closed|Received invalid Socks|Proxy connection ended|No header received|Invalid header from proxy)/.test(message)) {
    return 'proxy-answer';
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/.test(message)) return 'lost';
  return 'unknown';
}

function exchange(request) {
  const lookup = lookupFrom(request.hosts || {});
  const proxy = proxyFor(request);
  const context = { proxyScheme: null, connect: null, uri: request.uri };
  const options = { lookup, handshakeTimeout: request.options.open_timeout * 1000 };
  if (proxy) {
    options.agent = proxyAgent(proxy, request, lookup);
    context.proxyScheme = new URL(proxy).protocol.slice(0, -1);
    options.agent.on('proxyConnect', (connect) => { context.connect = connect; });
  }
  if (request.server_ca) options.ca = readFileSync(request.server_ca);
  if (request.options.server_hostname) options.servername = request.options.server_hostname;
  if (request.options.additional_headers) options.headers = request.options.additional_headers;

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      outcome();
    };
    const fail = (error) => finish(() => reject(Object.assign(error, { context })));
    // ws's handshakeTimeout starts once a socket exists; this also bounds the proxy phase.
    const guard = setTimeout(() => {
      fail(new Failure('timeout', 'opening handshake timed out'));
      ws.terminate();
    }, request.options.open_timeout * 1000 + 500);
    let ws;
    try {
      ws = new WebSocket(request.uri, options);
    } catch (error) {
      fail(error);
      return;
    }
    ws.on('open', () => ws.send(request.message));
    ws.on('message', (data, isBinary) => {
      finish(() => resolve(isBinary ? data.toString('utf8') : data.toString()));
      ws.close();
    });
    ws.on('error', fail);
    ws.on('close', (code) => fail(new Failure('closed', `connection closed (${code}) before the echo`)));
  });
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  if (request.request === 'describe') return describe();
  try {
    return { echo: await exchange(request) };
  } catch (error) {
    const kind = kindOf(error, error.context || { proxyScheme: null, connect: null, uri: request.uri });
    return { error: { kind, message: String(error.message || error) } };
  }
}

process.stdout.write(`${JSON.stringify(await main())}\n`);
// A connection a failed attempt left behind must not keep the process alive.
setTimeout(() => process.exit(0), 1000).unref();
