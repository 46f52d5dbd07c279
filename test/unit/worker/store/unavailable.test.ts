/**
 * Which errors of the PostgreSQL queue store mean "the server cannot be used now, try again"
 * (ERR_STORE_UNAVAILABLE, worker/store/postgres-store.ts `isUnavailable`) and which stay what they are
 * (a refusal or a bug: ERR_INTERNAL with the detail in the log only). The errors are shaped as `pg` and
 * Node raise them (`code` = SQLSTATE or errno); test/integration/queue-store-postgres.test.ts cuts a real
 * server's connections.
 */
import { expect } from 'chai';
import { QueueFullError } from '../../../../shared/errors.ts';
import { isUnavailable } from '../../../../worker/store/postgres-store.ts';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('queue store: which PostgreSQL errors mean unavailable', () => {
  it('counts connection exceptions, shutdown, exhaustion, a closed database and unreachable sockets', () => {
    for (const error of [
      withCode('connection failure', '08006'), withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'), withCode('sorry, too many clients already', '53300'),
      withCode('database "asexor" is not currently accepting connections', '55000'),
      withCode('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED'), withCode('connect ENOENT /run/postgresql/.s.PGSQL.5432', 'ENOENT'),
      new Error('Connection terminated unexpectedly'), new Error('timeout exceeded when trying to connect'),
    ]) expect(isUnavailable(error), error.message).to.equal(true);
  });

  it('leaves refusals and bugs as they are', () => {
    for (const error of [
      withCode('permission denied for table tasks', '42501'), withCode('syntax error at or near "SELEC"', '42601'),
      withCode('duplicate key value violates unique constraint', '23505'), new TypeError('bad argument'), new QueueFullError(10),
      new Error('something else'), 'a string',
    ]) expect(isUnavailable(error), String(error)).to.equal(false);
  });
});
