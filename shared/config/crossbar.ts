/**
 * `fromCrossbarConfig`: a Crossbar.io node config (`"version": 2`) → our RouterConfig, plus the
 * top-level `asexor` section untouched. Schema errors, cross-field rules (duplicate names, port
 * clashes, role shape, salted users) and missing env vars throw ConfigInvalidError; Crossbar
 * features we do not implement throw ConfigUnsupportedError. Both name the JSONPath.
 * Pure apart from reading `process.env` when `options.env` is not given.
 */
import { ConfigInvalidError, ConfigUnsupportedError } from '../errors.ts';
import { configDefaults } from './defaults.ts';
import { describeValue, expectationMessage, issueToError } from './issues.ts';
import { child, mapTransport, type MapContext } from './crossbar-transport.ts';
import { crossbarConfigSchema, type CrossbarPermission, type CrossbarRealm, type CrossbarRouterWorker } from './schema.ts';
import { URI_STRICT_EMPTY, URI_STRICT_LAST_EMPTY } from './schema-common.ts';
import { withClientAddress } from './trusted-proxies.ts';
import type { ClientAddressConfig, LoginThrottleConfig, TransportConfig, MatchPolicy, PermissionConfig, RealmConfig, RoleConfig, RouterConfig } from './types.ts';

export interface FromCrossbarOptions {
  /**
   * Directory that relative static `directory` and Unix socket `path`s resolve against; Crossbar uses the node
   * directory, i.e. the one holding config.json. @default undefined (paths stay as written)
   */
  readonly baseDir?: string;
  /** Source of `"${NAME}"` secrets and `"$NAME"` ports. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface CrossbarMapping {
  readonly router: RouterConfig;
  /** The top-level `asexor` section (worker settings), exactly as given; undefined when absent. */
  readonly asexor: Readonly<Record<string, unknown>> | undefined;
}

const URI_HINT = 'expected a WAMP URI pattern: dot-separated components of a-z, 0-9 and _';

function invalidUri(uri: string, hint: string, at: string): ConfigInvalidError {
  return new ConfigInvalidError(`${hint}, got ${describeValue(uri, [])}`, at);
}

/**
 * Crossbar's rule (checkconfig.py check_router_realm_role + autobahn convert_starred_uri): without
 * `match`, one trailing '*' is the legacy prefix notation and no '*' means exact. We reject what
 * Crossbar would store but never match: '*' elsewhere, or '*' together with an explicit `match`.
 */
function resolveMatch(uri: string, match: MatchPolicy | undefined, at: string): { uri: string; match: MatchPolicy } {
  const star = uri.indexOf('*');
  if (match === undefined && star !== -1 && star === uri.length - 1) {
    const bare = uri.slice(0, -1);
    if (!URI_STRICT_LAST_EMPTY.test(bare)) throw invalidUri(uri, `${URI_HINT} (then one trailing '*')`, at);
    return { uri: bare, match: 'prefix' };
  }
  if (star !== -1) {
    const hint = match === undefined
      ? `${URI_HINT}; '*' is only allowed last (legacy prefix notation): for wildcards use empty components and "match": "wildcard"`
      : `${URI_HINT}; '*' has no meaning with an explicit "match": remove it`;
    throw invalidUri(uri, hint, at);
  }
  const resolved = match ?? configDefaults.match;
  if (resolved === 'wildcard' ? !URI_STRICT_EMPTY.test(uri) : !URI_STRICT_LAST_EMPTY.test(uri)) {
    throw invalidUri(uri, resolved === 'wildcard' ? `${URI_HINT} (empty components match anything)` : `${URI_HINT} (the last may be empty)`, at);
  }
  return { uri, match: resolved };
}

function mapPermission(permission: CrossbarPermission, at: string): PermissionConfig {
  const allow = permission.allow ?? {};
  const disclose = permission.disclose ?? {};
  return {
    ...resolveMatch(permission.uri, permission.match, child(at, 'uri')),
    allow: { call: allow.call ?? false, register: allow.register ?? false, publish: allow.publish ?? false, subscribe: allow.subscribe ?? false },
    disclose: { caller: disclose.caller ?? false, publisher: disclose.publisher ?? false },
    cache: permission.cache ?? configDefaults.cache,
  };
}

/** Throws on the second occurrence of a name, pointing at it and at the first. */
function assertUnique(names: readonly string[], what: string, at: (index: number) => string): void {
  const seen = new Map<string, number>();
  names.forEach((name, index) => {
    const first = seen.get(name);
    if (first !== undefined) throw new ConfigInvalidError(`duplicate ${what} '${name}' (first defined at ${at(first)})`, at(index));
    seen.set(name, index);
  });
}

function mapRealm(realm: CrossbarRealm, at: string): RealmConfig {
  const roles = realm.roles ?? [];
  assertUnique(roles.map((r) => r.name), 'role name', (j) => child(child(child(at, 'roles'), j), 'name'));
  return {
    name: realm.name,
    roles: roles.map((role, j): RoleConfig => {
      const roleAt = child(child(at, 'roles'), j);
      if (role.authorizer !== undefined && role.permissions !== undefined) {
        throw new ConfigInvalidError("a role has either 'permissions' (static) or 'authorizer' (dynamic), not both", roleAt);
      }
      if (role.authorizer !== undefined) return { name: role.name, authorizer: role.authorizer };
      const permissions = role.permissions ?? [];
      return { name: role.name, permissions: permissions.map((p, k) => mapPermission(p, child(child(roleAt, 'permissions'), k))) };
    }),
  };
}

const WILDCARD_INTERFACES = new Set(['0.0.0.0', '::', '']);

function assertDistinctPorts(transports: readonly TransportConfig[], at: (index: number) => string): void {
  transports.forEach((t, j) => {
    if (t.endpoint.type === 'unix') {
      const { path } = t.endpoint;
      const i = transports.findIndex((other, k) => k < j && other.endpoint.type === 'unix' && other.endpoint.path === path);
      if (i !== -1) throw new ConfigInvalidError(`socket ${path} is already used by ${at(i)}`, `${at(j)}.endpoint.path`);
      return;
    }
    const { port, interface: host } = t.endpoint;
    if (port === 0) return;
    const i = transports.findIndex((other, k) => k < j && other.endpoint.type === 'tcp' && other.endpoint.port === port &&
      (other.endpoint.interface === host || WILDCARD_INTERFACES.has(host) || WILDCARD_INTERFACES.has(other.endpoint.interface)));
    if (i !== -1) throw new ConfigInvalidError(`port ${port} on ${host} is already used by ${at(i)}`, `${at(j)}.endpoint.port`);
  });
}

/** JSON.parse keeps `"__proto__"` as an own key but zod records drop it silently: name it instead. */
function findProtoKey(value: unknown, at: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Object.hasOwn(value, '__proto__')) return child(at, '__proto__');
  for (const [key, item] of Object.entries(value)) {
    const found = findProtoKey(item, child(at, Array.isArray(value) ? Number(key) : key));
    if (found !== undefined) return found;
  }
  return undefined;
}

type CrossbarLoginThrottle = NonNullable<NonNullable<CrossbarRouterWorker['options']>['login_throttle']>;

/** `options.login_throttle` (seconds) → RouterConfig.loginThrottle (ms); keys left out keep the router's defaults. */
function mapLoginThrottle(raw: CrossbarLoginThrottle | undefined): LoginThrottleConfig | false | undefined {
  if (raw === undefined || raw === false) return raw;
  return {
    ...(raw.max_failures_per_authid === undefined ? {} : { maxFailuresPerAuthid: raw.max_failures_per_authid }),
    ...(raw.max_failures_per_address === undefined ? {} : { maxFailuresPerAddress: raw.max_failures_per_address }),
    ...(raw.window === undefined ? {} : { windowMs: raw.window * 1000 }),
    ...(raw.backoff === undefined ? {} : { backoffMs: raw.backoff * 1000 }),
  };
}

/** `options.trusted_proxies` and `options.client_address_header` → the services' ClientAddressConfig; none without proxies. */
function mapClientAddress(options: CrossbarRouterWorker['options']): ClientAddressConfig | undefined {
  const proxies = options?.trusted_proxies;
  const header = options?.client_address_header;
  if (proxies === undefined || proxies.length === 0) {
    if (header !== undefined) {
      throw new ConfigInvalidError("'client_address_header' applies only with 'trusted_proxies': list the proxies that set it", '$.workers[0].options.client_address_header');
    }
    return undefined;
  }
  return { trustedProxies: [...new Set(proxies)], header: header ?? 'x-forwarded-for' };
}

export function fromCrossbarConfig(json: unknown, options: FromCrossbarOptions = {}): CrossbarMapping {
  const proto = findProtoKey(json, '$');
  if (proto !== undefined) throw new ConfigInvalidError("'__proto__' is not allowed as a key", proto);
  const parsed = crossbarConfigSchema.safeParse(json, { reportInput: true, error: expectationMessage });
  if (!parsed.success) {
    const [first] = parsed.error.issues;
    throw first ? issueToError(first) : new ConfigInvalidError('invalid configuration', '$');
  }
  const { workers } = parsed.data;
  if (workers.length > 1) {
    throw new ConfigUnsupportedError('a second router worker is not supported: asexor runs exactly one; put all realms and transports into the first', '$.workers[1]');
  }
  const [worker] = workers;
  if (!worker) throw new ConfigInvalidError("expected exactly one worker of type 'router'", '$.workers');
  const realmsAt = '$.workers[0].realms';
  const transportsAt = (i: number): string => `$.workers[0].transports[${i}]`;
  assertUnique(worker.realms.map((r) => r.name), 'realm name', (i) => `${realmsAt}[${i}].name`);
  const ctx: MapContext = {
    env: options.env ?? process.env,
    baseDir: options.baseDir,
    realmNames: worker.realms.map((r) => r.name),
  };
  const realms = worker.realms.map((realm, i) => mapRealm(realm, `${realmsAt}[${i}]`));
  const clientAddress = mapClientAddress(worker.options);
  const transports = withClientAddress(worker.transports.map((t, i) => mapTransport(t, transportsAt(i), ctx)), clientAddress);
  assertDistinctPorts(transports, transportsAt);
  const raw = (json as { asexor?: Record<string, unknown> }).asexor;
  const loginThrottle = mapLoginThrottle(worker.options?.login_throttle);
  return { router: { realms, transports, ...(loginThrottle === undefined ? {} : { loginThrottle }) }, asexor: raw };
}
