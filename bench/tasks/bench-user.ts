/** The realm and the ticket principal the task benchmark's server admits and its clients use (loopback only). */
export const BENCH_REALM = 'asexor';
export const BENCH_USER = { authid: 'bench', ticket: 'bench-ticket' } as const;
/** The legacy clients' tokens (docs/legacy-protocols.md): users of their own, so that no bridge session sees the others' events. */
export const BENCH_LEGACY_USERS = {
  ws: { authid: 'bench-ws', ticket: 'bench-ws-ticket' },
  raw: { authid: 'bench-raw', ticket: 'bench-raw-ticket' },
} as const;
/** The legacy raw socket's Unix socket, in the server's temporary folder. */
export const BENCH_LEGACY_SOCKET = 'legacy-raw.sock';
