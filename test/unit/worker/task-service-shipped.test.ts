import { expect } from 'chai';
import { InvalidParamsError } from '../../../shared/errors.ts';
import shipped from '../../../tasks/index.ts';
import { alice, useServiceHarness } from './service-fixture.ts';

describe('TaskService with the shipped tasks (tasks/index.ts)', () => {
  const harness = useServiceHarness();

  it('runs date for real: UTC year with the original positional call shape (docs/task-semantics.md)', async () => {
    const { service } = harness.make({ tasks: shipped });
    const end = await service.submit(alice, 'date', ['%Y', true]).done;
    expect(end).to.include({ status: 'success', result: String(new Date().getUTCFullYear()) });
  });

  it('runs sleep for real, 0 seconds included (docs/task-semantics.md)', async () => {
    const { service } = harness.make({ tasks: shipped });
    const [zero, short] = await Promise.all([service.submit(alice, 'sleep', [0]).done, service.submit(alice, 'sleep', [0.3]).done]);
    expect(zero).to.deep.include({ status: 'success', result: null });
    expect(short).to.deep.include({ status: 'success', result: null });
    expect(short.status === 'success' ? short.duration : 0).to.be.within(0.25, 5);
  });

  it('refuses a negative sleep before queueing, naming the field', () => {
    const { service } = harness.make({ tasks: shipped });
    expect(() => service.submit(alice, 'sleep', [-1])).to.throw(InvalidParamsError, /^seconds: /);
  });
});
