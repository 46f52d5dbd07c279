import { z } from 'zod';
import { defineTask } from './shared/task.ts';
const t = defineTask({
  name: 'x', description: 'd',
  params: z.object({ seconds: z.number().default(1), fmt: z.string().optional() }),
  positional: ['seconds'],
  command: 'sleep',
  args: (p) => [String(p.seconds), p.fmt ?? ''],
  result: (out, p) => ({ a: out.stdout, s: p.seconds }),
});
const bad = defineTask({
  name: 'x', description: 'd',
  params: z.object({ seconds: z.number() }),
  positional: ['nope'],
  command: 'sleep',
  args: (p) => [String(p.seconds)],
});
export { t, bad };
