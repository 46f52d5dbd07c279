/**
 * The framed binary protocol between the worker and the native spawn helper (native/asexor-spawn.c),
 * described in docs/spawner-protocol.md. Pure: requests become bytes, bytes become the same
 * SpawnerMessage union the Node spawner sends (protocol.ts), so TaskRunner does not care which runs.
 * Frames may arrive split or coalesced in any way; ReplyDecoder reassembles them.
 */
import { constants } from 'node:os';
import type { RunOutcome, SpawnerMessage, WireRunRequest } from './protocol.ts';

export const NATIVE_PROTOCOL_VERSION = 1;

const REQ = { run: 1, cancel: 2, shutdown: 3 } as const;
const REP = { ready: 1, spawned: 2, lines: 3, done: 4 } as const;
const RUN_STREAM_LINES = 1;
const RUN_HAS_CWD = 2;
const U32_MAX = 0xffff_ffff;
/** setTimeout's largest delay; the Node spawner clamps timeouts to it too. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A reply frame larger than this is a protocol error (two capped outputs fit many times over). */
export const MAX_REPLY_BYTES = 1 << 30;

/** The `ready` reply with the helper's protocol version, which must equal ours. */
export interface NativeReady {
  readonly t: 'ready';
  readonly pid: number;
  readonly version: number;
}
export type NativeReply = NativeReady | Exclude<SpawnerMessage, { t: 'ready' }>;

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));
const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

function u32(n: number): number {
  return Math.min(U32_MAX, Math.max(0, Math.floor(n)));
}

function frame(type: number, id: number, payloadBytes: number): { buf: Buffer; at: number } {
  const buf = Buffer.allocUnsafe(4 + 5 + payloadBytes);
  buf.writeUInt32LE(5 + payloadBytes, 0);
  buf.writeUInt8(type, 4);
  buf.writeUInt32LE(id, 5);
  return { buf, at: 9 };
}

/**
 * RUN: timeoutMs, killGraceMs, maxOutputBytes (u32 each), flags (u8), argc, envc (u32), then
 * NUL-terminated strings: file, cwd, every arg, every NAME=value. Strings must hold no NUL byte
 * (checkRunRequest in protocol.ts rejects them first).
 */
export function encodeRun(id: number, req: WireRunRequest): Buffer {
  const env = req.env === undefined ? [] : Object.entries(req.env).map(([k, v]) => `${k}=${v}`);
  const strings = [req.file, req.cwd ?? '', ...req.args, ...env];
  let size = 21;
  for (const s of strings) size += Buffer.byteLength(s) + 1;
  const { buf, at } = frame(REQ.run, id, size);
  buf.writeUInt32LE(Math.max(1, Math.min(MAX_TIMER_MS, u32(req.timeoutMs))), at);
  buf.writeUInt32LE(u32(req.killGraceMs), at + 4);
  buf.writeUInt32LE(u32(req.maxOutputBytes), at + 8);
  buf.writeUInt8((req.streamLines ? RUN_STREAM_LINES : 0) | (req.cwd === undefined ? 0 : RUN_HAS_CWD), at + 12);
  buf.writeUInt32LE(req.args.length, at + 13);
  buf.writeUInt32LE(env.length, at + 17);
  let pos = at + 21;
  for (const s of strings) {
    pos += buf.write(s, pos);
    buf[pos++] = 0;
  }
  return buf;
}

export function encodeCancel(id: number): Buffer {
  return frame(REQ.cancel, id, 0).buf;
}

export function encodeShutdown(): Buffer {
  return frame(REQ.shutdown, 0, 0).buf;
}

/** Thrown by ReplyDecoder for bytes that cannot come from a well-behaved helper. */
export class NativeProtocolError extends Error {
  override readonly name = 'NativeProtocolError';
}

/** stderr keeps its tail: a cut tail must not start inside a UTF-8 sequence (skip 10xxxxxx bytes). */
function tailText(bytes: Buffer, truncated: boolean): string {
  let start = 0;
  if (truncated) while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return bytes.toString('utf8', start);
}

class Reader {
  readonly buf: Buffer;
  readonly end: number;
  #pos: number;
  constructor(buf: Buffer, start: number, end: number) {
    this.buf = buf;
    this.end = end;
    this.#pos = start;
  }
  #need(n: number): void {
    if (this.#pos + n > this.end) throw new NativeProtocolError('truncated reply');
  }
  u8(): number { this.#need(1); return this.buf.readUInt8(this.#pos++); }
  u32(): number { this.#need(4); const v = this.buf.readUInt32LE(this.#pos); this.#pos += 4; return v; }
  i32(): number { this.#need(4); const v = this.buf.readInt32LE(this.#pos); this.#pos += 4; return v; }
  f64(): number { this.#need(8); const v = this.buf.readDoubleLE(this.#pos); this.#pos += 8; return v; }
  blob(): Buffer { const n = this.u32(); this.#need(n); const b = this.buf.subarray(this.#pos, this.#pos + n); this.#pos += n; return b; }
  rest(): Buffer { const b = this.buf.subarray(this.#pos, this.end); this.#pos = this.end; return b; }
}

/** DONE: kind (u8), truncation flags (u8), exit code / signal / errno (i32), duration ms (f64), stdout, stderr/message. */
function decodeOutcome(r: Reader, file: string): RunOutcome {
  const kind = r.u8();
  const flags = r.u8();
  const code = r.i32();
  const durationMs = Math.max(0, r.f64());
  const out = r.blob();
  const err = r.blob();
  const stdoutTruncated = (flags & 1) !== 0;
  const stderrTruncated = (flags & 2) !== 0;
  const captured = { stdout: out.toString('utf8'), stderr: tailText(err, stderrTruncated), stdoutTruncated, stderrTruncated, durationMs };
  switch (kind) {
    case 1: return { kind: 'exited', exitCode: code, ...captured };
    case 2: return { kind: 'signaled', signal: SIGNAL_NAMES.get(code) ?? `SIG${String(code)}`, ...captured };
    case 3: return { kind: 'timeout', ...captured };
    case 4: return { kind: 'cancelled', ...captured };
    case 5: {
      const name = ERRNO_NAMES.get(code) ?? (code === 0 ? 'EINVAL' : `E${String(code)}`);
      return { kind: 'spawn_failed', code: name, message: `spawn ${file} ${name}: ${err.toString('utf8')}`, durationMs };
    }
    case 6: return { kind: 'runner_failed', message: err.toString('utf8'), durationMs };
    default: throw new NativeProtocolError(`unknown outcome kind ${String(kind)}`);
  }
}

/** Lines of a LINES reply: joined by '\n' (a line never holds one); at least one line per reply. */
function decodeLines(bytes: Buffer): string[] {
  return bytes.toString('utf8').split('\n');
}

/**
 * Reassembles reply frames from arbitrary chunks. `fileOf(id)` names the program of a run, for the
 * message of a spawn failure. Throws NativeProtocolError on malformed bytes (the client then kills
 * the helper: its state is unknown).
 */
export class ReplyDecoder {
  readonly #fileOf: (id: number) => string;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(fileOf: (id: number) => string) {
    this.#fileOf = fileOf;
  }

  push(chunk: Buffer): NativeReply[] {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes < 4) return [];
    const buf = this.#pending.length === 1 ? chunk : Buffer.concat(this.#pending, this.#pendingBytes);
    const replies: NativeReply[] = [];
    let at = 0;
    while (buf.length - at >= 4) {
      const len = buf.readUInt32LE(at);
      if (len < 5 || len > MAX_REPLY_BYTES) throw new NativeProtocolError(`bad reply frame length ${String(len)}`);
      if (buf.length - at - 4 < len) break;
      replies.push(this.#decode(new Reader(buf, at + 4, at + 4 + len)));
      at += 4 + len;
    }
    const rest = at === buf.length ? undefined : buf.subarray(at);
    this.#pending = rest === undefined ? [] : [rest];
    this.#pendingBytes = rest?.length ?? 0;
    return replies;
  }

  #decode(r: Reader): NativeReply {
    const type = r.u8();
    const id = r.u32();
    switch (type) {
      case REP.ready: {
        const version = r.u32();
        return { t: 'ready', version, pid: r.u32() };
      }
      case REP.spawned: return { t: 'spawned', id, pid: r.u32() };
      case REP.lines: return { t: 'lines', id, lines: decodeLines(r.rest()) };
      case REP.done: return { t: 'done', id, outcome: decodeOutcome(r, this.#fileOf(id)) };
      default: throw new NativeProtocolError(`unknown reply type ${String(type)}`);
    }
  }
}
