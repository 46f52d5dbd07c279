import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { FileLinkSigner, MAX_TOKEN_CHARS } from '../../../worker/file-link-token.ts';

const KEY = Buffer.alloc(32, 7);

/** A signer on a clock the test moves. */
function clocked(ttlSeconds = 300): { signer: FileLinkSigner; clock: { now: number } } {
  const clock = { now: 1_750_000_000_000 };
  return { signer: new FileLinkSigner({ ttlSeconds, key: KEY, now: () => clock.now }), clock };
}

function parts(token: string): [string, string] {
  const [payload = '', signature = ''] = token.split('.');
  return [payload, signature];
}

describe('download link tokens (worker/file-link-token.ts)', () => {
  it('signs {authid, dir, path, exp} as base64url JSON with an HMAC-SHA256 of it, and verifies it until exp', () => {
    const { signer, clock } = clocked(300);
    const { token, grant } = signer.sign('jan.novak', 'book/story.epub', 'jan.novak');
    expect(grant).to.deep.equal({ authid: 'jan.novak', dir: 'jan.novak', path: 'book/story.epub', exp: clock.now + 300_000 });
    const [payload, signature] = parts(token);
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).to.deep.equal(grant);
    expect(signature).to.equal(createHmac('sha256', KEY).update(payload).digest('base64url'));
    expect(token).to.match(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/u);
    expect(signer.verify(token)).to.deep.equal(grant);
    clock.now += 299_999;
    expect(signer.verify(token)).to.deep.equal(grant);
    clock.now += 1;
    expect(signer.verify(token), 'expired at exp').to.equal(undefined);
  });

  it('rejects a token of another key, an altered payload or signature, and malformed text', () => {
    const { signer } = clocked();
    const { token } = signer.sign('alice', 'a.txt', 'alice');
    const [payload, signature] = parts(token);
    const other = new FileLinkSigner({ ttlSeconds: 300, key: Buffer.alloc(32, 8) }).sign('alice', 'a.txt', 'alice').token;
    const altered = Buffer.from(JSON.stringify({ authid: 'alice', path: 'b.txt', exp: Number.MAX_SAFE_INTEGER })).toString('base64url');
    const rogue = (text: string): string => `${Buffer.from(text).toString('base64url')}.${createHmac('sha256', KEY).update(Buffer.from(text).toString('base64url')).digest('base64url')}`;
    for (const bad of [
      other, `${altered}.${signature}`, `${payload}.${signature.slice(1)}`, `${payload}.${signature}A`, `${payload}x.${signature}`,
      payload, `.${signature}`, `${payload}.`, '', '.', `${payload}.${signature}.x`, `${payload}+.${signature}`,
      'x'.repeat(MAX_TOKEN_CHARS + 1),
      // Correctly signed, but not a grant:
      rogue('not json'), rogue('[]'), rogue('{"authid":"a","dir":"a","path":"b"}'), rogue('{"authid":1,"dir":"a","path":"b","exp":9e15}'), rogue('null'),
      rogue('{"authid":"a","path":"b","exp":9e15}'), rogue('{"authid":"a","dir":1,"path":"b","exp":9e15}'),
    ]) {
      expect(signer.verify(bad), bad.slice(0, 80)).to.equal(undefined);
    }
    expect(signer.verify(rogue('{"authid":"a","dir":"a","path":"b","exp":9e15}'))).to.deep.equal({ authid: 'a', dir: 'a', path: 'b', exp: 9e15 });
  });

  it('draws a random key per signer by default, and refuses a lifetime that is not positive', () => {
    const a = new FileLinkSigner({ ttlSeconds: 60 });
    const b = new FileLinkSigner({ ttlSeconds: 60 });
    const { token } = a.sign('alice', 'a.txt', 'alice');
    expect(a.verify(token)).to.include({ path: 'a.txt' });
    expect(b.verify(token)).to.equal(undefined);
    expect(() => new FileLinkSigner({ ttlSeconds: 0 })).to.throw(RangeError);
  });
});
