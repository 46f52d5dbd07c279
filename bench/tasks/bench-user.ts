/** The realm and the ticket principal the task benchmark's server admits and its clients use (loopback only). */
export const BENCH_REALM = 'asexor';
export const BENCH_USER = { authid: 'bench', ticket: 'bench-ticket' } as const;
