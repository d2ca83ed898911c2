// proxyharness's node-undici agent: undici's WebSocket (the same as Node's global one,
// but the current release) with undici's own dispatchers: EnvHttpProxyAgent for the
// environment (http_proxy for ws://, https_proxy for wss://, no_proxy), ProxyAgent for
// an explicit proxy, Agent for none. undici 8 needs Node.js >= 22.19: it runs on the
// Node.js 22 that npm brings (the `node` package of the npm registry).
import { Failure, nodeKind, packageVersion, readPem, serve, settleOnce } from './common.mjs';

const CAPABILITIES = [
  'explicit-proxy',
  'no-proxy',
  'proxy-ssl',
  'proxy-server-hostname',
  'server-hostname',
  'additional-headers',
];

function describe() {
  return {
    name: 'node-undici',
    version: `undici ${packageVersion('undici')}, node ${process.versions.node}`,
    capabilities: CAPABILITIES,
    network: 'private',
  };
}

function schemeOf(url) {
  try {
    return new URL(url.includes('://') ? url : `http://${url}`).protocol.slice(0, -1);
  } catch {
    return null;
  }
}

// The proxy the environment gives undici for this URL (its variables, not no_proxy).
function environmentProxy(uri) {
  const env = process.env;
  const http = env.http_proxy ?? env.HTTP_PROXY;
  const https = env.https_proxy ?? env.HTTPS_PROXY;
  return uri.startsWith('wss:') ? https || http : http;
}

// Imported after the hosts table is applied (common.mjs), so that it sees it.
async function exchange(request) {
  const { Agent, EnvHttpProxyAgent, ProxyAgent, WebSocket } = await import('undici');
  const server = { ca: readPem(request.server_ca), servername: request.options.server_hostname };
  const proxyTls = { ca: readPem(request.proxy_ca), servername: request.options.proxy_server_hostname };
  for (const tls of [server, proxyTls]) {
    for (const key of Object.keys(tls)) if (tls[key] === undefined) delete tls[key];
  }
  // Only trusts that are given: undici's SOCKS5 agent speaks TLS to the proxy whenever a
  // proxyTls option is present (lib/dispatcher/socks5-proxy-agent.js), even an empty one.
  const proxyOptions = Object.keys(proxyTls).length ? { proxyTls } : {};
  let dispatcher;
  if (request.proxy === true) {
    dispatcher = new EnvHttpProxyAgent({ connect: server, ...proxyOptions });
    request.proxyScheme = schemeOf(environmentProxy(request.uri) || '');
  } else if (typeof request.proxy === 'string') {
    dispatcher = new ProxyAgent({ uri: request.proxy, requestTls: server, ...proxyOptions });
    request.proxyScheme = schemeOf(request.proxy);
  } else {
    dispatcher = new Agent({ connect: server });
  }
  const options = { dispatcher };
  if (request.options.additional_headers) options.headers = request.options.additional_headers;

  // undici's WebSocket has no opening timeout (no open-timeout capability).
  return new Promise((resolve, reject) => {
    let ws;
    const once = settleOnce(resolve, reject);
    try {
      ws = new WebSocket(request.uri, options);
    } catch (error) {
      once.reject(error);
      return;
    }
    let failure = null;
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('open', () => ws.send(request.message));
    ws.addEventListener('message', (event) => {
      const data = event.data;
      once.resolve(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
      ws.close();
    });
    ws.addEventListener('error', (event) => {
      failure = event.error || failure;
    });
    ws.addEventListener('close', (event) => {
      if (failure) {
        const text = `WebSocket error event (${failure.name}: ${failure.message || 'no message'}), close ${event.code}`;
        once.reject(new Failure('unknown', text));
      } else {
        once.reject(new Failure('closed', `connection closed (${event.code}) before the echo`));
      }
    });
  });
}

// The WHATWG WebSocket tells no cause: its error event carries a TypeError without a
// message (undici lib/web/websocket/websocket.js #onSocketClose), and the dispatcher's
// error stays inside. Only what throws synchronously has a kind.
function kindOf(error, request) {
  if (error instanceof Failure) return error.kind;
  if (error.name === 'SyntaxError') return 'invalid-uri';
  if (error.code === 'UND_ERR_INVALID_ARG' || (error instanceof TypeError && /Invalid URL/.test(error.message))) {
    return request.proxy ? 'invalid-proxy' : 'invalid-uri';
  }
  return nodeKind(error, { proxyScheme: request.proxyScheme || null, uri: request.uri });
}

await serve({ describe, exchange, kindOf });
