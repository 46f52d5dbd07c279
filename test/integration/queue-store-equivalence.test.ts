/**
 * The two queue stores keep the same rules (docs/queue-store.md): random sequences of admissions,
 * claims, ends and cancels (fast-check) are applied to the embedded store and to the PostgreSQL store,
 * one operation at a time, and every answer must be the same: which task a claim gets (priorities,
 * users taking turns, FIFO, the per-user running limit), which admission a cap refuses and with which
 * code, which end or cancel counts. Low limits make every cap and the running limit come into play.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { NewTask, QueueLimits, QueueStore } from '../../worker/store/queue-store.ts';
import { newTask, storeBackends } from '../helpers/queue-stores.ts';

const LIMITS: Partial<QueueLimits> = { perUserMaxRunning: 2, perUserMaxQueued: 4, maxQueued: 9, perUserQueuedBytes: 120, maxQueuedBytes: 200 };
const USERS = ['alice', 'bob', 'carol', 'dave'] as const;

type Op =
  | { readonly kind: 'admit'; readonly user: number; readonly priority: number; readonly bytes: number }
  | { readonly kind: 'claim' }
  /** Ends the `pick`-th running task (modulo how many run). */
  | { readonly kind: 'finish'; readonly pick: number }
  /** Cancels the `pick`-th admitted task (modulo how many were admitted). */
  | { readonly kind: 'cancel'; readonly pick: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('admit' as const), user: fc.nat(USERS.length - 1), priority: fc.constantFrom(0, 4, 4, 9), bytes: fc.constantFrom(0, 0, 50) }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'claim' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(40) }) },
);

/** Applies `ops` to `store` and returns what each answered, with task ids replaced by admission numbers. */
async function replay(store: QueueStore, ops: readonly Op[], tasks: readonly NewTask[]): Promise<string[]> {
  const admitted: NewTask[] = [];
  const running: { id: string; attempt: number }[] = [];
  const number = (id: string | undefined): string => (id === undefined ? '-' : `#${String(tasks.findIndex((t) => t.id === id))}`);
  const out: string[] = [];
  for (const [i, o] of ops.entries()) {
    switch (o.kind) {
      case 'admit': {
        const task = tasks[i]!;
        out.push(await store.admit(task).then(() => { admitted.push(task); return `admit ${number(task.id)}`; }, (e: unknown) => `refused ${(e as { code?: string }).code ?? String(e)}`));
        break;
      }
      case 'claim': {
        const claimed = await store.claim('w');
        if (claimed !== undefined) running.push({ id: claimed.id, attempt: claimed.attempt });
        out.push(`claim ${number(claimed?.id)}`);
        break;
      }
      case 'finish': {
        const pick = running.length === 0 ? undefined : running.splice(o.pick % running.length, 1)[0];
        const ended = pick === undefined ? false : await store.finish(pick.id, pick.attempt, { task_id: pick.id, task: 'sleep', at: new Date().toISOString(), status: 'success', result: null, duration: 0 });
        out.push(`finish ${number(pick?.id)} ${String(ended)}`);
        break;
      }
      case 'cancel': {
        const task = admitted.length === 0 ? undefined : admitted[o.pick % admitted.length];
        const outcome = task === undefined ? undefined : await store.cancel(task.id);
        // A running task stays running (its worker would end it): it stays in `running` here too.
        out.push(`cancel ${number(task?.id)} ${outcome?.state ?? '-'}`);
        break;
      }
    }
  }
  const stats = await store.stats();
  out.push(`stats ${String(stats.queued)} ${String(stats.running)} ${String(stats.users)} ${JSON.stringify(stats.byPriority)}`);
  return out;
}

const [embedded, postgres] = storeBackends() as [ReturnType<typeof storeBackends>[number], ReturnType<typeof storeBackends>[number]];

postgres.describe('queue stores: the embedded and the PostgreSQL store answer alike', function () {
  this.timeout(120_000);
  before(() => postgres.start());
  after(() => postgres.stop());
  afterEach(async () => {
    await embedded.closeAll();
    await postgres.closeAll();
  });

  it('for random sequences of admissions, claims, ends and cancels', async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 60 }), async (ops) => {
      const tasks = ops.map((o) => (o.kind === 'admit' ? newTask(USERS[o.user]!, o.priority, { bytes: o.bytes }) : newTask('unused')));
      const [one] = await embedded.open(1, LIMITS);
      const [two] = await postgres.open(1, LIMITS);
      const expected = await replay(one!, ops, tasks);
      const actual = await replay(two!, ops, tasks);
      await embedded.closeAll();
      await postgres.closeAll();
      expect(actual).to.deep.equal(expected);
    }), { numRuns: 20 });
  });
});
