// proxyharness's node-ws agent: the `ws` WebSocket client with `proxy-agent`, whose
// ProxyAgent picks the proxy of each connection through `proxy-from-env` (the
// environment: <scheme>_proxy, then all_proxy; no_proxy) unless given its own
// getProxyForUrl. Runs on the system's Node.js (>= 20).
import { Failure, nodeKind, packageVersion, readPem, serve, settleOnce } from './common.mjs';

const CAPABILITIES = ['explicit-proxy', 'no-proxy', 'server-hostname', 'open-timeout', 'additional-headers'];

function describe() {
  const version = packageVersion;
  return {
    name: 'node-ws',
    version: `ws ${version('ws')}, proxy-agent ${version('proxy-agent')}, node ${process.versions.node}`,
    capabilities: CAPABILITIES,
    network: 'private',
  };
}

function schemeOf(url) {
  try {
    return new URL(url).protocol.slice(0, -1);
  } catch {
    return null;
  }
}

// Imported after the hosts table is applied (common.mjs), so that it sees it.
async function exchange(request) {
  const { default: WebSocket } = await import('ws');
  const { ProxyAgent } = await import('proxy-agent');
  const { getProxyForUrl } = await import('proxy-from-env');
  const timeoutMs = request.options.open_timeout * 1000;
  const options = { handshakeTimeout: timeoutMs };
  // proxy: true = ProxyAgent's default (proxy-from-env); a URL = that proxy for every
  // connection (getProxyForUrl); null = no agent at all, as a program without a proxy.
  if (request.proxy === true) {
    options.agent = new ProxyAgent();
    request.proxyScheme = schemeOf(getProxyForUrl(request.uri));
  } else if (typeof request.proxy === 'string') {
    options.agent = new ProxyAgent({ getProxyForUrl: () => request.proxy });
    request.proxyScheme = schemeOf(request.proxy);
  }
  if (request.server_ca) options.ca = readPem(request.server_ca);
  if (request.options.server_hostname) options.servername = request.options.server_hostname;
  if (request.options.additional_headers) options.headers = request.options.additional_headers;

  return new Promise((resolve, reject) => {
    let ws;
    const once = settleOnce(resolve, reject);
    try {
      ws = new WebSocket(request.uri, options);
    } catch (error) {
      once.reject(error);
      return;
    }
    ws.on('open', () => ws.send(request.message));
    ws.on('message', (data) => {
      once.resolve(data.toString('utf8'));
      ws.close();
    });
    ws.on('error', once.reject);
    ws.on('close', (code) => once.reject(new Failure('closed', `connection closed (${code}) before the echo`)));
  });
}

function kindOf(error, request) {
  const message = String(error.message || error);
  const context = { proxyScheme: request.proxyScheme || null, uri: request.uri };
  if (error instanceof SyntaxError) return 'invalid-uri';
  if (/^Unsupported protocol for proxy URL|Invalid URL/.test(message) && context.proxyScheme !== undefined) {
    return /proxy/i.test(message) || request.proxy !== null ? 'invalid-proxy' : 'invalid-uri';
  }
  if (/^Opening handshake has timed out/.test(message)) return 'timeout';
  const status = /^Unexpected server response: (\d+)/.exec(message);
  if (status) return 'handshake-rejected';
  if (/rejected|Authentication failed|no accepted authentication|Socks5 proxy rejected/i.test(message)) {
    return 'proxy-rejected';
  }
  if (/^(Socket closed|Received invalid Socks|Proxy connection ended|Proxy connection timed out)/.test(message)) {
    return /timed out/.test(message) ? 'timeout' : 'proxy-answer';
  }
  return nodeKind(error, context);
}

await serve({ describe, exchange, kindOf });
