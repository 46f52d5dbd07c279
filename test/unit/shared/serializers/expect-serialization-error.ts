import { expect } from 'chai';
import { SerializationError } from '../../../../shared/errors.ts';

/** `fn` must throw SerializationError (code ERR_SERIALIZATION) whose message matches. */
export function expectSerializationError(fn: () => unknown, message: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'should throw').to.be.instanceOf(SerializationError);
  const error = caught as SerializationError;
  expect(error.code).to.equal('ERR_SERIALIZATION');
  if (typeof message === 'string') expect(error.message).to.equal(message);
  else expect(error.message).to.match(message);
}
