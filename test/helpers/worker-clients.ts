/**
 * autobahn-js clients of the worker integration tests (over the real WebSocket, via cli/client.ts):
 * join as a test user, record status events of a topic, and await a call's WAMP error.
 */
import { connectClient, type ClientSession } from '../../cli/client.ts';
import { statusTopic } from '../../shared/wamp/app-uris.ts';
import { isAbError, type AbError, type Dict } from '../../shared/autobahn.ts';
import { CRA_USER, REALM, USERS, type UserName } from './start-server.ts';

export function joinAs(url: string, user: UserName | 'carol'): Promise<ClientSession> {
  const credential = user === 'carol' ? { secret: CRA_USER.secret } : { ticket: USERS[user].ticket };
  return connectClient({ url, realm: REALM, uriPrefix: 'asexor', authid: user, credential });
}

export interface EventLog {
  /** The kwargs of every event received, in order. */
  readonly events: Dict[];
  /** The first event (already received or coming) that satisfies `match`. */
  waitFor(match: (event: Dict) => boolean, timeoutMs?: number): Promise<Dict>;
}

/** Subscribes `client` to the status topic of `authid` (its own by default); rejects like the SUBSCRIBE. */
export async function subscribeStatus(client: ClientSession, authid: string = client.authid): Promise<EventLog> {
  const events: Dict[] = [];
  const waiters: { match: (event: Dict) => boolean; resolve: (event: Dict) => void }[] = [];
  await client.session.subscribe(statusTopic('asexor', authid), (_args, kwargs) => {
    events.push(kwargs);
    for (const waiter of waiters.filter((w) => w.match(kwargs))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(kwargs);
    }
  });
  return {
    events,
    waitFor: (match, timeoutMs = 5000) => {
      const found = events.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`)); }, timeoutMs);
        waiters.push({ match, resolve: (event) => { clearTimeout(timer); resolve(event); } });
      });
    },
  };
}

/** The WAMP error a promise rejects with; fails if it resolves or rejects with something else. */
export async function wampError(promise: PromiseLike<unknown>): Promise<AbError> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    if (isAbError(error)) return error;
    throw error;
  }
  throw new Error(`expected a WAMP error, got the result ${JSON.stringify(value)}`);
}

/** Terminal event of `taskId` in `log`. */
export function terminalOf(log: EventLog, taskId: unknown, timeoutMs?: number): Promise<Dict> {
  return log.waitFor((e) => e['task_id'] === taskId && ['success', 'error', 'cancelled', 'timeout'].includes(String(e['status'])), timeoutMs);
}
