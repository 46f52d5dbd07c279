/**
 * `convert_folder` (multi-task): every matching document directly inside a folder of the files folder
 * → one `convert` subtask each, in name order. Hidden files are skipped, and so are files already in
 * the target format (html → html, docx → docx: their default output would be the input itself).
 * Each subtask is validated, checked and authorized like a `convert` call of its own.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { asParamsError, filesPathSchema, normalizeRelativePath, realPathInFilesDir } from '../shared/files-dir.ts';
import { defineMultiTask, type SubtaskSpec } from '../shared/task.ts';
import convert, { INPUT_EXTENSIONS, TARGETS, sameFormat, type Target } from './convert.ts';

/** Which directory entries of a folder become subtasks (pure; `names` as listed by readdir). */
export function selectInputs(names: readonly string[], to: Target, extensions: readonly string[] = INPUT_EXTENSIONS): string[] {
  const wanted = new Set(extensions);
  return names
    .filter((name) => !name.startsWith('.') && wanted.has(path.posix.extname(name).slice(1).toLowerCase()) && !sameFormat(name, to))
    .sort();
}

export default defineMultiTask({
  name: 'convert_folder',
  description: 'Convert every Markdown, HTML or DOCX file directly inside a folder of the files folder (one convert subtask each).',
  params: z.object({
    folder: filesPathSchema().default('.').describe('folder relative to the files folder; "." is the files folder itself'),
    to: z.enum(TARGETS).describe('target format (txt = plain text)'),
    extensions: z.array(z.enum(INPUT_EXTENSIONS)).min(1).max(INPUT_EXTENSIONS.length).optional().describe('only files with these extensions; default: all supported'),
  }),
  positional: ['folder', 'to'],
  // Before queueing: a missing folder is refused at once (in a context made for the submitter, as convert's).
  precheck: async (params, ctx) => {
    if (ctx.filesScope === undefined) return;
    await realPathInFilesDir(ctx.filesDir, params.folder, 'folder', 'folder').catch((error: unknown) => { throw asParamsError(error, 'folder'); });
  },
  subtasks: async (params, ctx): Promise<SubtaskSpec[]> => {
    const folder = await realPathInFilesDir(ctx.filesDir, params.folder, 'folder', 'folder');
    const entries = await readdir(folder, { withFileTypes: true });
    const names = entries.filter((entry) => entry.isFile() || entry.isSymbolicLink()).map((entry) => entry.name);
    const base = normalizeRelativePath(params.folder);
    return selectInputs(names, params.to, params.extensions).map((name) => ({
      task: convert.name,
      params: { input: base === '.' ? name : `${base}/${name}`, to: params.to },
    }));
  },
  timeoutMs: 30 * 60_000,
});
