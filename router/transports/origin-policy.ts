/**
 * Which browser origins may open a WebSocket (Crossbar's `allowed_origins` WebSocket option,
 * docs/fairness-and-abuse.md). A pattern is matched against the whole `Origin` header value,
 * case-insensitively, `*` standing for any run of characters (so `https://*.example.com` matches
 * `https://app.example.com`, and `*` matches everything). Browsers leave out a default port
 * (`https://a.example` rather than `https://a.example:443`); a pattern may be written either way.
 *
 * A request without an Origin header is not from a browser page (autobahn-python, curl, our CLI) and
 * is allowed: the header protects browser users from pages of other sites, it cannot stop a client
 * that chooses its own headers. `Origin: null` (sandboxed frames, file: pages) is allowed only with
 * `allowNullOrigin`. No pattern list at all means any origin (Crossbar's default `["*"]`).
 */

/** The decision for one upgrade request. */
export type OriginCheck = (origin: string | undefined) => boolean;

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443' };

/**
 * Whether `text` matches `pattern`, where `*` is any run of characters: the two-pointer glob match,
 * O(pattern × text) at worst with no backtracking blow-up (the Origin header is the client's to choose).
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** The origin as sent, plus the same origin with its default port made explicit (or left out). */
function spellings(origin: string): string[] {
  const value = origin.trim().toLowerCase();
  const match = /^([a-z][a-z0-9+.-]*:)\/\/(\[[^\]]*\]|[^:/]*)(?::(\d+))?$/.exec(value);
  if (match === null) return [value];
  const [, scheme = '', host = '', port] = match;
  const defaultPort = DEFAULT_PORTS[scheme];
  if (defaultPort === undefined) return [value];
  if (port === undefined) return [value, `${scheme}//${host}:${defaultPort}`];
  return port === defaultPort ? [value, `${scheme}//${host}`] : [value];
}

export function originPolicy(allowedOrigins: readonly string[] | undefined, allowNullOrigin = false): OriginCheck {
  if (allowedOrigins === undefined) return () => true;
  const patterns = allowedOrigins.map((pattern) => pattern.trim().toLowerCase());
  return (origin) => {
    if (origin === undefined) return true;
    if (origin.trim().toLowerCase() === 'null') return allowNullOrigin;
    const candidates = spellings(origin);
    return patterns.some((pattern) => candidates.some((candidate) => globMatch(pattern, candidate)));
  };
}
