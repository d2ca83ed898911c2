// proxyharness's deno agent: Deno's built-in WebSocket, which connects through the
// HTTP client of Deno's fetch (ext/fetch): the environment's proxies (ALL_PROXY,
// HTTPS_PROXY, HTTP_PROXY, NO_PROXY: ext/fetch/proxy.rs from_env) or, given one, the
// proxy of a Deno.createHttpClient passed as the `client` option. One JSON request on
// standard input, one JSON answer on standard output (docs/agents.md).

type Request = {
  request: string;
  uri: string;
  proxy: true | null | string;
  message: string;
  options: { open_timeout: number; additional_headers?: Record<string, string> };
  server_ca: string | null;
  proxy_ca: string | null;
};

const CAPABILITIES = ["explicit-proxy", "additional-headers"];
// The variables ext/fetch/proxy.rs from_env reads (NO_PROXY aside).
const PROXY_VARIABLES = ["ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"];

class Failure extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
  }
}

class Unsupported extends Error {}

function describe() {
  return { name: "deno", version: `deno ${Deno.version.deno}`, capabilities: CAPABILITIES, network: "private" };
}

function httpClient(request: Request): Deno.HttpClient | undefined {
  const options: Deno.CreateHttpClientOptions = {};
  if (request.server_ca) options.caCerts = [Deno.readTextFileSync(request.server_ca)];
  if (typeof request.proxy === "string") options.proxy = { url: request.proxy };
  if (Object.keys(options).length === 0) return undefined;
  try {
    return Deno.createHttpClient(options);
  } catch (error) {
    if (options.proxy) throw new Failure("invalid-proxy", String(error));
    throw error;
  }
}

function exchange(request: Request): Promise<string> {
  if (request.proxy === null && PROXY_VARIABLES.some((name) => Deno.env.get(name))) {
    // create_http_client (ext/fetch/lib.rs) always starts from proxy::from_env().
    throw new Unsupported("Deno's WebSocket has no way to ignore the environment's proxy");
  }
  const client = httpClient(request);
  const init: Record<string, unknown> = {};
  if (client) init.client = client;
  if (request.options.additional_headers) init.headers = request.options.additional_headers;
  // Deno's WebSocket has no opening timeout (no open-timeout capability); a client
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
      // deno-lint-ignore no-explicit-any
      ws = new WebSocket(request.uri, init as any);
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
      failure = (event as ErrorEvent).error ?? (event as ErrorEvent).message ?? failure;
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
  const name = error instanceof Error ? error.name : "";
  if (name === "SyntaxError") return "invalid-uri";
  const viaProxy = request.proxy !== null;
  if (/invalid ?certificate|UnknownIssuer|certificate|NotValidForName|BadCertificate/i.test(message)) {
    return "tls";
  }
  if (/Connection refused|tcp connect error/i.test(message)) return viaProxy ? "refused" : "server-failed";
  if (/unsuccessful tunnel|Proxy response|proxy.*\b(40[0-9]|50[0-9])\b/i.test(message)) return "proxy-rejected";
  // tokio-socks' errors, as Deno passes them on: the proxy's refusal, or no proxy at all.
  if (/No acceptable auth methods|Password auth failure|Connection not allowed by ruleset/i.test(message)) {
    return "proxy-rejected";
  }
  if (/Proxy server unreachable/i.test(message)) return "proxy-refused";
  if (/socks/i.test(message)) return "proxy-answer";
  if (/unexpected end of file|operation was canceled|connection error/i.test(message)) return "lost";
  if (/timed out|deadline/i.test(message)) return "timeout";
  if (/Invalid status code|non-101|status code/i.test(message)) return "handshake-rejected";
  if (/reset|broken pipe|unexpected eof|connection closed/i.test(message)) return "lost";
  return "unknown";
}

async function main() {
  const request: Request = JSON.parse(await new Response(Deno.stdin.readable).text());
  let answer: unknown;
  if (request.request === "describe") {
    answer = describe();
  } else {
    try {
      answer = { echo: await exchange(request) };
    } catch (error) {
      if (error instanceof Unsupported) answer = { unsupported: error.message };
      else answer = { error: { kind: kindOf(error, request), message: String(error) } };
    }
  }
  await Deno.stdout.write(new TextEncoder().encode(`${JSON.stringify(answer)}\n`));
  Deno.exit(0);
}

await main();
