import { expect } from 'chai';
import {
  AppErrorReason, AppErrorUri, DEFAULT_URI_PREFIX, appErrorUri, authHookProcedure, controlProcedure, escapeAuthid,
  statusTopic, taskProcedure, unescapeAuthid, withPrefix,
} from '../../../../shared/wamp/app-uris.ts';
import { isValidUri } from '../../../../shared/wamp/uri-rules.ts';

const LOOSE = { strict: false, allowEmptyComponents: false } as const;

describe('app-uris (docs/worker.md, "The worker: serve, CLI, WAMP API")', () => {
  describe('error URIs', () => {
    it('builds <prefix>.error.<reason>', () => {
      expect(appErrorUri('asexor', 'invalid_params')).to.equal('asexor.error.invalid_params');
      expect(appErrorUri('com.example', 'queue_full')).to.equal('com.example.error.queue_full');
    });

    it('has every DESIGN error (invalid_params, queue_full, not_authorized, no_such_task, task_failed, timeout, cancelled)', () => {
      expect(Object.values(AppErrorReason)).to.include.members(
        ['invalid_params', 'queue_full', 'not_authorized', 'no_such_task', 'task_failed', 'timeout', 'cancelled']);
    });

    it('keeps the default-prefix constants equal to appErrorUri(DEFAULT_URI_PREFIX, reason)', () => {
      for (const [key, reason] of Object.entries(AppErrorReason)) {
        expect(AppErrorUri[key as keyof typeof AppErrorUri]).to.equal(appErrorUri(DEFAULT_URI_PREFIX, reason));
      }
    });

    it('moves default-prefix URIs under a configured prefix and leaves wamp.* URIs alone', () => {
      expect(withPrefix(AppErrorUri.queueFull, 'com.example')).to.equal('com.example.error.queue_full');
      expect(withPrefix(AppErrorUri.queueFull, 'asexor')).to.equal('asexor.error.queue_full');
      expect(withPrefix('wamp.error.not_authorized', 'com.example')).to.equal('wamp.error.not_authorized');
      expect(withPrefix('asexorish.x', 'com.example')).to.equal('asexorish.x');
    });
  });

  describe('procedures', () => {
    it('names task, control and auth-hook procedures under the prefix', () => {
      expect(taskProcedure('asexor', 'convert_folder')).to.equal('asexor.task.convert_folder');
      expect(controlProcedure('asexor', 'list')).to.equal('asexor.control.list');
      expect(controlProcedure('x.y', 'cancel')).to.equal('x.y.control.cancel');
      expect(authHookProcedure('asexor', 'authorize')).to.equal('asexor.auth.authorize');
    });
  });

  describe('escapeAuthid / statusTopic', () => {
    it('percent-encodes ".", "#", "%" and whitespace, and nothing else', () => {
      expect(escapeAuthid('jan.novak@example.cz')).to.equal('jan%2Enovak@example%2Ecz');
      expect(escapeAuthid('a#b%c d\te\nf')).to.equal('a%23b%25c%20d%09e%0Af');
      expect(escapeAuthid('Jan-Nováček_1')).to.equal('Jan-Nováček_1');
    });

    it('encodes unicode whitespace as its UTF-8 bytes', () => {
      expect(escapeAuthid('a\u00a0b\u2003c')).to.equal('a%C2%A0b%E2%80%83c');
    });

    it('round-trips through unescapeAuthid', () => {
      for (const authid of ['jan.novak', '100%', 'a b.c#d', '%2E', 'ünï.cødé\u00a0x']) {
        expect(unescapeAuthid(escapeAuthid(authid))).to.equal(authid);
      }
    });

    it('keeps distinct authids distinct ("%2E" vs ".")', () => {
      expect(escapeAuthid('%2E')).to.not.equal(escapeAuthid('.'));
    });

    it('rejects an empty authid (it would leave an empty URI component)', () => {
      expect(() => escapeAuthid('')).to.throw(RangeError, 'authid must not be empty');
    });

    it('makes a valid URI (spec: basic/building_blocks.md "URIs", loose rule) of any authid', () => {
      for (const authid of ['jan.novak', 'a#b', 'x y', '..', '#', 'tab\there', 'nb\u00a0sp']) {
        const topic = statusTopic('asexor', authid);
        expect(isValidUri(topic, LOOSE), topic).to.equal(true);
        expect(topic.startsWith('asexor.status.')).to.equal(true);
      }
      expect(statusTopic('asexor', 'jan.novak')).to.equal('asexor.status.jan%2Enovak');
    });
  });
});
