/**
 * `convert`: a document in the files folder → EPUB, HTML, DOCX or plain text, with pandoc. Paths are
 * relative to the files folder; the output goes next to the input (same name, new extension) unless
 * `output` says otherwise. Result: `{ output: <relative path> }`.
 *
 * Safety (tasks.md "Safety rules"): argv only, absolute paths after `--`; every path is inside the
 * submitter's files folder (TaskContext.filesDir, docs/files.md); `check` resolves symlinks of input
 * and output before the run; the output is written to a temporary name that the worker renames on
 * success and removes otherwise (TaskContext.outputFile); the Lua filter convert-guard.lua drops
 * images whose real path (symlinks resolved) is outside the folder, raw HTML (EPUB) and metadata that
 * would read files; the proxy variables point at a closed loopback port so pandoc cannot
 * fetch remote resources (its DOCX writer fetches images before any filter runs); `+RTS -M` caps its heap.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { InvalidParamsError } from '../shared/errors.ts';
import { asParamsError, extensionList, filesPathSchema, normalizeRelativePath, nameBytesProblem, realPathInFilesDir, relativePathProblem, resolveInFilesDir } from '../shared/files-dir.ts';
import { defineTask } from '../shared/task.ts';

/** Input extension → pandoc reader. */
export const INPUT_FORMATS = { md: 'markdown', markdown: 'markdown', html: 'html', htm: 'html', docx: 'docx' } as const;
export type InputExtension = keyof typeof INPUT_FORMATS;
export const INPUT_EXTENSIONS = Object.keys(INPUT_FORMATS) as [InputExtension, ...InputExtension[]];

/** `to` → pandoc writer and output extension. */
export const OUTPUT_FORMATS = {
  epub: { writer: 'epub', ext: 'epub' },
  html: { writer: 'html', ext: 'html' },
  docx: { writer: 'docx', ext: 'docx' },
  txt: { writer: 'plain', ext: 'txt' },
} as const;
export type Target = keyof typeof OUTPUT_FORMATS;
export const TARGETS = Object.keys(OUTPUT_FORMATS) as [Target, ...Target[]];

export const GUARD_FILTER = fileURLToPath(new URL('./convert-guard.lua', import.meta.url));
/** The metadata field that tells convert-guard.lua the folder images must stay in (a command-line value overrides the document's). */
export const GUARD_ROOT_META = 'asexor-files-root';
/** Pandoc's heap limit (GHC runtime option): `![](/dev/zero)` must not eat the machine. */
export const PANDOC_MAX_HEAP = '512m';
const NO_NETWORK = 'http://127.0.0.1:9';
export const PANDOC_ENV: Readonly<Record<string, string>> = {
  http_proxy: NO_NETWORK, https_proxy: NO_NETWORK, HTTP_PROXY: NO_NETWORK, HTTPS_PROXY: NO_NETWORK, no_proxy: '', NO_PROXY: '',
};

function extensionOf(file: string): string {
  return path.posix.extname(file).slice(1).toLowerCase();
}

/** The pandoc reader for an input path (its extension was validated by the schema). */
export function readerFor(input: string): string {
  return INPUT_FORMATS[extensionOf(input) as InputExtension];
}

/** Whether converting `input` to `to` keeps the format (html → html, docx → docx). */
export function sameFormat(input: string, to: Target): boolean {
  return readerFor(input) === OUTPUT_FORMATS[to].writer;
}

export interface ConvertParams {
  readonly input: string;
  readonly to: Target;
  readonly output?: string | undefined;
}

/** The output's relative path: `output`, or the input with the target's extension. */
export function outputPathFor({ input, to, output }: ConvertParams): string {
  if (output !== undefined) return normalizeRelativePath(output);
  const normal = normalizeRelativePath(input);
  return `${normal.slice(0, normal.length - path.posix.extname(normal).length)}.${OUTPUT_FORMATS[to].ext}`;
}

export const convertParams = z.object({
  input: filesPathSchema({ extensions: INPUT_EXTENSIONS }).describe(`document to convert: a path relative to the files folder, ending in ${extensionList(INPUT_EXTENSIONS)}`),
  to: z.enum(TARGETS).describe('target format (txt = plain text)'),
  output: filesPathSchema().optional().describe('where to write, relative to the files folder; default: next to the input, with the target\'s extension'),
}).superRefine((params, ctx) => {
  const ext = OUTPUT_FORMATS[params.to].ext;
  if (params.output !== undefined && extensionOf(params.output) !== ext) {
    ctx.addIssue({ code: 'custom', path: ['output'], message: `expected a file name ending in .${ext} (to is ${params.to})` });
    return;
  }
  const output = outputPathFor(params);
  // The default output differs from the input only by its extension: its name may be the one too long.
  const tooLong = params.output === undefined ? nameBytesProblem(path.posix.basename(output)) : undefined;
  if (tooLong !== undefined && relativePathProblem(params.input) === undefined) {
    ctx.addIssue({ code: 'custom', path: ['output'], message: `expected an output path: the default one (the input's name with .${ext}) ${tooLong}` });
  } else if (output === normalizeRelativePath(params.input)) {
    ctx.addIssue({ code: 'custom', path: ['output'], message: `expected an output path other than the input (converting ${params.to} to ${params.to} would overwrite it)` });
  }
});

export default defineTask({
  name: 'convert',
  description: 'Convert a Markdown, HTML or DOCX file of the files folder to EPUB, HTML, DOCX or plain text (pandoc).',
  params: convertParams,
  positional: ['input', 'to', 'output'],
  command: 'pandoc',
  args: (params, ctx) => {
    const input = resolveInFilesDir(ctx.filesDir, params.input, 'input');
    const rel = outputPathFor(params);
    const output = ctx.outputFile?.(rel) ?? resolveInFilesDir(ctx.filesDir, rel, 'output');
    const { writer } = OUTPUT_FORMATS[params.to];
    return [
      '+RTS', `-M${PANDOC_MAX_HEAP}`, '-RTS',
      `--from=${readerFor(params.input)}`, `--to=${writer}`, ...(writer === 'html' ? ['--standalone'] : []),
      `--metadata=${GUARD_ROOT_META}=${ctx.filesDir}`,
      `--lua-filter=${GUARD_FILTER}`, `--output=${output}`, '--', input,
    ];
  },
  // Before queueing: a missing input or output folder is refused at once, naming the param (only in
  // a context made for the submitter: the top folder says nothing about a user's files).
  precheck: async (params, ctx) => {
    if (ctx.filesScope === undefined) return;
    await realPathInFilesDir(ctx.filesDir, params.input, 'file', 'input').catch((error: unknown) => { throw asParamsError(error, 'input'); });
    await realPathInFilesDir(ctx.filesDir, outputPathFor(params), 'new-file', 'output').catch((error: unknown) => { throw asParamsError(error, 'output'); });
  },
  check: async (params, ctx) => {
    const input = await realPathInFilesDir(ctx.filesDir, params.input, 'file', 'input');
    const output = await realPathInFilesDir(ctx.filesDir, outputPathFor(params), 'new-file', 'output');
    if (input === output) throw new InvalidParamsError([{ field: 'output', message: 'output: resolves to the input file itself' }]);
  },
  // Relative image paths in the document resolve from its own folder.
  cwd: (params, ctx) => path.dirname(resolveInFilesDir(ctx.filesDir, params.input, 'input')),
  env: PANDOC_ENV,
  timeoutMs: 120_000,
  maxOutputBytes: 256 * 1024,
  result: (_out, params) => ({ output: outputPathFor(params) }),
});
