/**
 * Where a JSON text stops being valid JSON (RFC 8259). V8 names the position for most syntax
 * errors but not for "Unexpected token" ones, so load.ts asks this scanner. Only runs after
 * JSON.parse has failed; returns -1 for valid JSON.
 */
const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

class Stop extends Error {
  readonly at: number;
  constructor(at: number) {
    super(`invalid JSON at ${at}`);
    this.at = at;
  }
}

export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new Stop(i);
  };
  const skip = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const expect = (char: string): void => {
    skip();
    if (text.charAt(i) !== char) fail();
    i++;
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      const c = text.charAt(i);
      if (c === '' || c < ' ') fail();
      i++;
      if (c === '"') return;
      if (c !== '\\') continue;
      const e = text.charAt(i);
      if ('"\\/bfnrt'.includes(e) && e !== '') i++;
      else if (e === 'u' && HEX4.test(text.slice(i + 1, i + 5))) i += 5;
      else fail();
    }
  };
  const list = (close: string, item: () => void): void => {
    i++;
    skip();
    if (text.charAt(i) === close) {
      i++;
      return;
    }
    for (;;) {
      item();
      skip();
      const c = text.charAt(i);
      if (c === close) {
        i++;
        return;
      }
      if (c !== ',') fail();
      i++;
    }
  };
  const value = (): void => {
    skip();
    const c = text.charAt(i);
    if (c === '{' || c === '[' || c === '"') {
      if (c === '{') list('}', () => { string(); expect(':'); value(); });
      else if (c === '[') list(']', value);
      else string();
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (!NUMBER.test(text)) fail();
    i = NUMBER.lastIndex;
  };
  try {
    value();
    skip();
    if (i < text.length) fail();
    return -1;
  } catch (err) {
    if (err instanceof Stop) return err.at;
    throw err;
  }
}
