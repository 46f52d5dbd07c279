/**
 * The HTTP listener's route table: plain requests and upgrade requests are matched by URL path
 * (query strings ignored, a trailing '/' does not matter). The longest matching path wins, so
 * '/ws' beats a static service at '/'. Long-poll (a prefix route taking POST '<base>/open',
 * '<base>/<id>/send', …) and other handlers plug in with `addRequest`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ConfigInvalidError } from '../../shared/errors.ts';

export interface RequestRoute {
  /** Mount path, e.g. '/health' or '/'. */
  readonly path: string;
  /** true: also matches everything below `path`; the rest is passed as `subpath` (e.g. '/js/app.js'). */
  readonly prefix: boolean;
  handle(req: IncomingMessage, res: ServerResponse, subpath: string): void | Promise<void>;
}

export interface UpgradeRoute {
  readonly path: string;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export class HttpRouteTable {
  readonly #requests = new Map<string, RequestRoute>();
  readonly #upgrades = new Map<string, UpgradeRoute>();

  /** @param where config path reported when `path` is already taken */
  addRequest(route: RequestRoute, where = 'path'): void {
    addUnique(this.#requests, normalize(route.path), route, where);
  }

  addUpgrade(route: UpgradeRoute, where = 'path'): void {
    addUnique(this.#upgrades, normalize(route.path), route, where);
  }

  matchRequest(url: string): { route: RequestRoute; subpath: string } | undefined {
    const path = pathOf(url);
    const exact = this.#requests.get(path);
    if (exact !== undefined) return { route: exact, subpath: '' };
    let best: { route: RequestRoute; subpath: string } | undefined;
    let bestLength = -1;
    for (const [mount, route] of this.#requests) {
      const base = mount === '/' ? '' : mount;
      if (!route.prefix || base.length <= bestLength || !path.startsWith(`${base}/`)) continue;
      best = { route, subpath: path.slice(base.length) };
      bestLength = base.length;
    }
    return best;
  }

  matchUpgrade(url: string): UpgradeRoute | undefined {
    return this.#upgrades.get(pathOf(url));
  }
}

function addUnique<T>(table: Map<string, T>, path: string, value: T, where: string): void {
  if (!path.startsWith('/')) throw new ConfigInvalidError(`Expected a path starting with '/', got '${path}'`, where);
  if (table.has(path)) throw new ConfigInvalidError(`Path '${path}' is already used by another service`, where);
  table.set(path, value);
}

/** The URL's path without query, with trailing slashes dropped (except for '/'). Stays URL-encoded. */
function pathOf(url: string): string {
  const queryAt = url.search(/[?#]/);
  return normalize(queryAt === -1 ? url : url.slice(0, queryAt));
}

function normalize(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}
