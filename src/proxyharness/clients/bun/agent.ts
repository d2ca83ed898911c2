// proxyharness's bun agent: Bun's built-in WebSocket with its own options: `proxy` (a
// URL, or {url, tls} for an https:// proxy's trust; HTTP and HTTPS proxies only),
// `tls` (the server's trust and name) and `headers`. Given no `proxy`, Bun decides
// from its own configuration. One JSON request on standard input, one JSON answer on
// standard output (docs/agents.md).
import { readFileSync } from "node:fs";

type Request = {
  request: string;
  uri: string;
  proxy: true | null | string;
  message: string;
  options: {
    open_timeout: number;
    server_hostname?: string;
    proxy_server_hostname?: string;
    additional_headers?: Record<string, string>;
  };
  server_ca: string | null;
  proxy_ca: string | null;
};

const CAPABILITIES = [
  "explicit-proxy",
  "no-proxy",
  "proxy-ssl",
  "proxy-server-hostname",
  "server-hostname",
  "additional-headers",
];

class Failure extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
  }
}

function describe() {
  return { name: "bun", version: `bun ${Bun.version}`, capabilities: CAPABILITIES, network: "private" };
}

function tlsOptions(ca: string | null, servername: string | undefined) {
  const tls: Record<string, unknown> = {};
  if (ca) tls.ca = readFileSync(ca, "utf8");
  if (servername) tls.servername = servername;
  return Object.keys(tls).length ? tls : undefined;
}

function init(request: Request): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const tls = tlsOptions(request.server_ca, request.options.server_hostname);
  if (tls) options.tls = tls;
  if (request.options.additional_headers) options.headers = request.options.additional_headers;
  if (request.proxy === null) options.proxy = null;
  if (typeof request.proxy === "string") {
    const proxyTls = tlsOptions(request.proxy_ca, request.options.proxy_server_hostname);
    options.proxy = proxyTls ? { url: request.proxy, tls: proxyTls } : request.proxy;
  }
  return options;
}

function exchange(request: Request): Promise<string> {
  // Bun's WebSocket has no opening timeout (no open-timeout capability); a client
  // that never ends is the harness's to judge ("agent hung"), and to stop.
  return new Promise((resolve, reject) => {
    let settled = false;
    let failure: unknown = null;
    let ws: WebSocket;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    try {
      ws = new WebSocket(request.uri, init(request) as any);
    } catch (error) {
      finish(() => reject(error));
      return;
    }
    ws.binaryType = "arraybuffer";
    ws.onopen = () => ws.send(request.message);
    ws.onmessage = (event) => {
      const data = event.data;
      finish(() => resolve(typeof data === "string" ? data : new TextDecoder().decode(data)));
      ws.close();
    };
    ws.onerror = (event) => {
      const error = event as ErrorEvent;
      failure = error.error ?? (error.message ? new Error(error.message) : failure);
    };
    ws.onclose = (event) => {
      const error = failure ?? new Failure("closed", `connection closed (${event.code}) before the echo`);
      finish(() => reject(error));
    };
  });
}

function kindOf(error: unknown, request: Request): string {
  if (error instanceof Failure) return error.kind;
  const message = String(error instanceof Error ? error.message : error);
  const code = String((error as { code?: unknown })?.code ?? "");
  const viaProxy = typeof request.proxy === "string";
  if (/Unsupported proxy protocol|proxy URL|Invalid proxy/i.test(message)) return "invalid-proxy";
  if (error instanceof SyntaxError) return "invalid-uri";
  if (/CERT|SELF_SIGNED|UNABLE_TO|DEPTH_ZERO|TLS|SSL/i.test(code) || /certificate|TLS handshake/i.test(message)) {
    return "tls";
  }
  if (code === "ECONNREFUSED") return viaProxy ? "refused" : "server-failed";
  if (/Proxy connection failed: \d{3}|Proxy authentication required: \d{3}/.test(message)) return "proxy-rejected";
  if (/timed? ?out/i.test(message) || code === "ETIMEDOUT") return "timeout";
  if (/Expected 101|status code|Unexpected response/i.test(message)) return "handshake-rejected";
  if (code === "ECONNRESET" || /reset|closed|ended/i.test(message)) return "lost";
  return "unknown";
}

async function main() {
  const request: Request = JSON.parse(await Bun.stdin.text());
  let answer: unknown;
  if (request.request === "describe") {
    answer = describe();
  } else {
    try {
      answer = { echo: await exchange(request) };
    } catch (error) {
      const code = (error as { code?: unknown })?.code;
      const message = code ? `${error} (${code})` : String(error);
      answer = { error: { kind: kindOf(error, request), message } };
    }
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`, () => process.exit(0));
}

await main();
