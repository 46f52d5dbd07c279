/**
 * A real, minimal `SessionHandle` for driving the broker/dealer directly: it records every message
 * sent to it and answers feature checks from the roles/features given at construction.
 */
import type { WampMessage } from '../../shared/wamp/messages.ts';
import type { ClientRole, SessionHandle } from '../../router/types.ts';
import type { AuthMethod, AuthProvider } from '../../router/auth/authenticator.ts';
import type { TransportDetails } from '../../router/transports/peer.ts';

export interface RecordingSessionOptions {
  readonly id: number;
  readonly realm?: string;
  readonly authid?: string;
  readonly authrole?: string;
  /** Announced roles and their `true` features, e.g. `{ callee: ['call_canceling'], caller: [] }`. @default every role, no features */
  readonly roles?: Partial<Readonly<Record<ClientRole, readonly string[]>>>;
}

const ALL_ROLES: readonly ClientRole[] = ['caller', 'callee', 'publisher', 'subscriber'];

export class RecordingSession implements SessionHandle {
  readonly id: number;
  readonly realm: string;
  readonly authid: string;
  readonly authrole: string;
  readonly authmethod: AuthMethod = 'anonymous';
  readonly authprovider: AuthProvider = 'static';
  readonly transport: TransportDetails = { kind: 'local', serializer: 'none', peer: 'local' };
  readonly sent: WampMessage[] = [];
  readonly #roles: ReadonlyMap<ClientRole, ReadonlySet<string>>;

  constructor(options: RecordingSessionOptions) {
    this.id = options.id;
    this.realm = options.realm ?? 'realm1';
    this.authid = options.authid ?? `user-${options.id}`;
    this.authrole = options.authrole ?? 'user';
    const roles = options.roles ?? Object.fromEntries(ALL_ROLES.map((role) => [role, []]));
    this.#roles = new Map(
      Object.entries(roles).map(([role, features]) => [role as ClientRole, new Set(features)]),
    );
  }

  hasRole(role: ClientRole): boolean {
    return this.#roles.has(role);
  }

  hasFeature(role: ClientRole, feature: string): boolean {
    return this.#roles.get(role)?.has(feature) ?? false;
  }

  send(message: WampMessage): void {
    this.sent.push(message);
  }

  /** The messages recorded since the last call, removing them from `sent`. */
  take(): WampMessage[] {
    return this.sent.splice(0, this.sent.length);
  }

  /** The last message recorded; throws if none. */
  last(): WampMessage {
    const message = this.sent.at(-1);
    if (!message) throw new Error(`session ${this.id} has received nothing`);
    return message;
  }
}
