// client.mjs: a real Node client — the global fetch (undici, its global Agent's defaults) —
// sending chaosload's bursts traffic shape to a URL, and saying what undici met, as one JSON
// line. chaosload's realism harness (tests/it/realism.rs) runs it against `chaosload mock` and
// compares it with chaosload's `preset = "undici"`.
//
// The schedule is chaosload's open-model bursts shape, evenly spaced (src/load/schedule.rs): the
// k-th arrival of burst j is sent at j·(on+off) + k/rate, without waiting for earlier responses.
//
// Attempts are counted from undici's own diagnostics channels, which the global fetch publishes:
// `undici:client:sendHeaders` fires once per request undici writes to a socket, so a request
// written twice (a retry) is seen; each fetch carries an `x-realism-id` header to tell which.
// A socket seen before is a reused one. Each socket keeps the first error it met, so an attempt
// that undici retried is counted under what its socket met, as the Go client does.
//
// Usage: node client.mjs --url URL [--method GET|POST] [--body TEXT] --rate R --on MS --off MS
//        --bursts N [--timeout MS]
import dc from 'node:diagnostics_channel';
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    method: { type: 'string', default: 'GET' },
    body: { type: 'string', default: 'hello' },
    rate: { type: 'string', default: '100' },
    on: { type: 'string', default: '1000' },
    off: { type: 'string', default: '5000' },
    bursts: { type: 'string', default: '3' },
    timeout: { type: 'string', default: '20000' },
  },
});
const rate = Number(args.rate);
const [onMs, offMs, bursts, timeoutMs] = [args.on, args.off, args.bursts, args.timeout].map(Number);
if (!args.url || !(rate > 0) || !(bursts >= 1)) {
  console.error('usage: node client.mjs --url URL [--method GET|POST] --rate R --on MS --off MS --bursts N');
  process.exit(2);
}

const ID_HEADER = 'x-realism-id';
// Per request id: the sockets its attempts were written on, in order.
const attempts = new Map();
const seenSockets = new WeakSet();
const socketErrors = new WeakMap();
let connections = 0;
let reusedAttempts = 0;

dc.subscribe('undici:client:connected', ({ socket }) => {
  connections += 1;
  // Another listener beside undici's: it only keeps the first error the socket met.
  socket.on('error', (err) => {
    if (!socketErrors.has(socket)) socketErrors.set(socket, err);
  });
});
dc.subscribe('undici:client:sendHeaders', ({ request, socket }) => {
  const id = idOf(request.headers);
  if (id === undefined) return;
  if (seenSockets.has(socket)) reusedAttempts += 1;
  seenSockets.add(socket);
  if (!attempts.has(id)) attempts.set(id, []);
  attempts.get(id).push(socket);
});

// undici keeps request headers as a flat [name, value, …] array (a "name: value\r\n" string in
// older versions).
function idOf(headers) {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === ID_HEADER) return String(headers[i + 1]);
    }
    return undefined;
  }
  const match = new RegExp(`^${ID_HEADER}:\\s*(\\S+)`, 'im').exec(String(headers));
  return match ? match[1] : undefined;
}

// chaosload's error kinds, as far as undici's errors tell them apart (fetch rejects with a
// TypeError whose cause is undici's or the socket's error).
function classify(err) {
  const cause = err?.cause ?? err;
  const code = cause?.code;
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timeout';
  switch (code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'UND_ERR_SOCKET':
      // "other side closed": the server closed before a response.
      return 'closed_before_response';
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      return 'other';
  }
}

function describe(err) {
  const cause = err?.cause;
  return cause ? `${err.message}: ${cause.code ?? ''} ${cause.message}`.trim() : String(err?.message ?? err);
}

async function send(id) {
  const init = {
    method: args.method,
    headers: { [ID_HEADER]: String(id) },
    signal: AbortSignal.timeout(timeoutMs),
  };
  if (args.method !== 'GET' && args.method !== 'HEAD') init.body = args.body;
  try {
    const response = await fetch(args.url, init);
    // Read to the end, so the connection goes back to the pool as chaosload's client returns it.
    await response.arrayBuffer();
    return response.status >= 200 && response.status <= 299 ? { ok: true } : { kind: `http_${response.status}` };
  } catch (err) {
    return { kind: classify(err), message: describe(err) };
  }
}

// Warm-up before the clock starts: the first fetch loads undici and compiles its parser, which
// on a busy machine takes long enough to push the first burst late and shorten the first gap.
// It goes to a server of this process (another origin: its connection is not the target's).
{
  const server = http.createServer((_, res) => res.end('warm')).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const response = await fetch(`http://127.0.0.1:${server.address().port}/`, { headers: { [ID_HEADER]: 'warm-up' } });
  await response.arrayBuffer();
  server.closeAllConnections();
  server.close();
  connections = 0;
  reusedAttempts = 0;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const perBurst = Math.floor(rate * (onMs / 1000) + 1e-9);
const start = performance.now();
const pending = [];
for (let j = 0; j < bursts; j++) {
  for (let k = 0; k < perBurst; k++) {
    await sleep(start + j * (onMs + offMs) + (k / rate) * 1000 - performance.now());
    pending.push(send(j * perBurst + k));
  }
}
const outcomes = await Promise.all(pending);

const summary = {
  client: 'undici',
  version: `node ${process.version}, undici ${process.versions.undici ?? 'unknown'}`,
  method: args.method,
  requests: outcomes.length,
  ok: 0,
  errors: {},
  samples: {},
  attempts: 0,
  reused_attempts: reusedAttempts,
  hidden_retries: 0,
  hidden_errors: {},
  attempts_per_request: {},
  connections,
};
outcomes.forEach((outcome, id) => {
  const sockets = attempts.get(String(id)) ?? [];
  summary.attempts += sockets.length;
  summary.attempts_per_request[sockets.length] = (summary.attempts_per_request[sockets.length] ?? 0) + 1;
  // Every attempt but the last was retried by undici: what its socket met is the hidden error.
  for (const socket of sockets.slice(0, -1)) {
    const err = socketErrors.get(socket);
    const kind = err ? classify(err) : 'none_seen';
    summary.hidden_errors[kind] = (summary.hidden_errors[kind] ?? 0) + 1;
  }
  summary.hidden_retries += Math.max(0, sockets.length - 1);
  if (outcome.ok) {
    summary.ok += 1;
  } else {
    summary.errors[outcome.kind] = (summary.errors[outcome.kind] ?? 0) + 1;
    if (outcome.message && !(outcome.kind in summary.samples)) summary.samples[outcome.kind] = outcome.message;
  }
});
console.log(JSON.stringify(summary));
// The global Agent keeps idle sockets for its keep-alive timeout: do not wait for them.
process.exit(0);
