import { expect } from 'chai';
import { z } from 'zod';
import { NoSuchTaskError, TaskDefinitionError } from '../../../shared/errors.ts';
import { defineMultiTask, defineTask } from '../../../shared/task.ts';
import { TaskRegistry, loadTaskModule, loadTaskRegistry } from '../../../worker/task-registry.ts';

const fixture = (name: string): string => new URL(`../../fixtures/tasks/${name}`, import.meta.url).pathname;

const sleep = defineTask({
  name: 'sleep', description: 'Wait.', params: z.object({ seconds: z.number() }), positional: ['seconds'],
  command: 'sleep', args: ({ seconds }) => [String(seconds)],
});
const multi = defineMultiTask({
  name: 'many', description: 'Several sleeps.', params: z.object({ n: z.int() }),
  subtasks: ({ n }) => Promise.resolve(Array.from({ length: n }, () => ({ task: 'sleep', params: { seconds: 0 } }))),
});

function definitionError(definitions: readonly unknown[]): TaskDefinitionError {
  try {
    TaskRegistry.create(definitions);
  } catch (error) {
    expect(error).to.be.instanceOf(TaskDefinitionError);
    expect((error as TaskDefinitionError).code).to.equal('ERR_TASK_DEFINITION');
    return error as TaskDefinitionError;
  }
  return expect.fail('expected a TaskDefinitionError');
}

describe('TaskRegistry', () => {
  describe('start-up checks', () => {
    it('accepts command, custom and multi definitions and finds them by name', () => {
      const registry = TaskRegistry.create([sleep, multi]);
      expect(registry.size).to.equal(2);
      expect(registry.get('sleep')).to.equal(sleep);
      expect([...registry].map((def) => def.name)).to.deep.equal(['sleep', 'many']);
    });

    it('rejects a duplicate name, naming the task and both positions', () => {
      expect(definitionError([sleep, multi, { ...sleep }]).message)
        .to.equal('task "sleep": defined twice (definitions #1 and #3); task names must be unique');
    });

    const invalid: [string, Record<string, unknown>, string][] = [
      ['an upper-case name', { name: 'Sleep' }, 'task "Sleep": name: expected snake_case [a-z][a-z0-9_]* of at most 64 characters, got "Sleep" (string)'],
      ['a dashed name', { name: 'convert-folder' }, 'task "convert-folder": name: expected snake_case'],
      ['a missing name', { name: undefined }, 'task #1: name: expected snake_case'],
      ['an unknown kind', { kind: 'shell' }, "task \"sleep\": kind: expected 'command', 'custom' or 'multi', got \"shell\" (string)"],
      ['an empty description', { description: ' ' }, 'task "sleep": description: expected a non-empty string'],
      ['params that are not a z.object', { params: z.string() }, 'task "sleep": params: expected a zod object schema (z.object({...}))'],
      ['params as a plain object', { params: { seconds: z.number() } }, 'task "sleep": params: expected a zod object schema'],
      ['a positional name that is not a param', { positional: ['secs'] }, 'task "sleep": positional: "secs" is not a param (params: seconds)'],
      ['a param listed twice as positional', { positional: ['seconds', 'seconds'] }, 'task "sleep": positional: expected each param at most once'],
      ['roles that are not a list of names', { roles: 'user' }, 'task "sleep": roles: expected an array of role names, got "user" (string)'],
      ['a zero timeout', { timeoutMs: 0 }, 'task "sleep": timeoutMs: expected an integer from 1 to 2147483647, got 0 (number)'],
      ['an empty command', { command: '' }, 'task "sleep": command: expected a program name or path'],
      ['args that are not a function', { args: ['5'] }, 'task "sleep": args: expected a function'],
      ['a non-string env value', { env: { LANG: 1 } }, 'task "sleep": env: expected an object of strings'],
      ['a fractional output cap', { maxOutputBytes: 1.5 }, 'task "sleep": maxOutputBytes: expected an integer'],
    ];
    for (const [what, override, message] of invalid) {
      it(`rejects ${what}`, () => {
        expect(definitionError([{ ...sleep, ...override }]).message).to.include(message);
      });
    }

    it('rejects a multi-task with a concurrency below 1 or not an integer', () => {
      expect(definitionError([{ ...multi, concurrency: 0 }]).message)
        .to.equal('task "many": concurrency: expected an integer from 1 to 1024, got 0 (number)');
      expect(definitionError([{ ...multi, concurrency: 1.5 }]).message).to.include('task "many": concurrency:');
    });

    it('rejects a multi-task without subtasks and a custom task without run', () => {
      expect(definitionError([{ ...multi, subtasks: undefined }]).message).to.include('task "many": subtasks: expected a function');
      expect(definitionError([{ ...multi, kind: 'custom', subtasks: undefined }]).message).to.include('task "many": run: expected a function');
    });

    it('rejects something that is not a definition at all', () => {
      expect(definitionError([sleep, 'date']).message).to.match(/^task #2: expected a task definition .*got "date" \(string\)$/u);
    });
  });

  describe('roles', () => {
    const restricted = { ...sleep, name: 'admin_sleep', roles: ['admin'] };
    const registry = TaskRegistry.create([sleep, restricted]);

    it('shows a task without roles to every role but the anonymous one', () => {
      expect(registry.visibleTo('user').map((d) => d.name)).to.deep.equal(['sleep']);
      expect(registry.visibleTo('anonymous')).to.deep.equal([]);
      expect(TaskRegistry.create([sleep], { anonymousRole: 'guest' }).visibleTo('anonymous')).to.have.length(1);
    });

    it('shows a task with roles only to those roles', () => {
      expect(registry.visibleTo('admin').map((d) => d.name)).to.deep.equal(['sleep', 'admin_sleep']);
      expect(registry.mayRun(restricted, 'user')).to.equal(false);
    });

    it('lists name, kind, description, positional params and JSON Schema for control.list', () => {
      expect(registry.list('user')).to.deep.equal([{
        name: 'sleep', kind: 'command', description: 'Wait.', positional: ['seconds'],
        params: {
          $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', additionalProperties: false,
          properties: { seconds: { type: 'number' } }, required: ['seconds'],
        },
      }]);
    });

    it('throws NoSuchTaskError for an unknown name', () => {
      expect(() => registry.require('nope')).to.throw(NoSuchTaskError, 'no task named "nope"');
    });
  });

  describe('loading task modules', () => {
    it('loads the shipped tasks from tasks/index.ts by default', async () => {
      const registry = await loadTaskRegistry();
      expect([...registry].map((d) => [d.name, d.kind])).to.deep.equal(
        [['date', 'command'], ['sleep', 'command'], ['convert', 'command'], ['convert_folder', 'multi']]);
    });

    it("loads a module's default export", async () => {
      const registry = await loadTaskRegistry(fixture('valid.ts'));
      expect([...registry].map((d) => [d.name, d.kind])).to.deep.equal([['echo', 'command'], ['add', 'custom'], ['echo_all', 'multi']]);
      expect(registry.visibleTo('user').map((d) => d.name)).to.deep.equal(['echo', 'add', 'echo_all']);
    });

    it("falls back to a module's `tasks` export", async () => {
      expect(await loadTaskModule(fixture('named-export.ts'))).to.have.length(1);
    });

    it('fails with a clear message when the module defines a name twice', async () => {
      let caught: unknown;
      await loadTaskRegistry(fixture('duplicate.ts')).catch((error: unknown) => { caught = error; });
      expect(caught).to.be.instanceOf(TaskDefinitionError);
      expect((caught as Error).message).to.equal(`task module ${JSON.stringify(fixture('duplicate.ts'))}: task "date": defined twice (definitions #1 and #2); task names must be unique`);
    });

    it('fails when the export is not an array, or the module cannot be imported', async () => {
      const messages: string[] = [];
      for (const name of ['not-a-list.ts', 'missing.ts']) {
        await loadTaskModule(fixture(name)).catch((error: unknown) => {
          expect(error).to.be.instanceOf(TaskDefinitionError);
          messages.push((error as Error).message);
        });
      }
      expect(messages[0]).to.match(/^task module ".*not-a-list\.ts": expected a default export or a `tasks` export that is an array/u);
      expect(messages[1]).to.match(/^task module ".*missing\.ts": cannot be imported: /u);
    });
  });
});
