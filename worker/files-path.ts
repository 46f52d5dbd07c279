/**
 * Paths given to the files procedures (worker/files-api.ts): the lexical rules of task file params
 * (shared/files-dir.ts `relativePathProblem`: relative, '/'-separated, no '..', NUL or control
 * characters, at most 1024 characters, each name at most 255 bytes of UTF-8), plus: no hidden names (a segment starting with '.': the listing skips them and uploads
 * use them for temporary files), and not the folder itself. Problems become InvalidParamsError
 * issues naming the field, as task params do.
 */
import { InvalidParamsError } from '../shared/errors.ts';
import { normalizeRelativePath, relativePathProblem } from '../shared/files-dir.ts';

export { asParamsError } from '../shared/files-dir.ts';

function issue(field: string, message: string): InvalidParamsError {
  return new InvalidParamsError([{ field, message: `${field}: ${message}` }]);
}

/** The normalized relative path (`a/./b` → `a/b`) of a file in the files folder, or InvalidParamsError. */
export function checkedFilesPath(value: unknown, field = 'path'): string {
  if (typeof value !== 'string') throw issue(field, 'expected a relative path (a string) inside the files folder');
  const problem = relativePathProblem(value);
  if (problem !== undefined) throw issue(field, `expected a relative path inside the files folder (this one ${problem})`);
  const normal = normalizeRelativePath(value);
  if (normal === '.') throw issue(field, 'expected a file name, got the files folder itself');
  for (const name of normal.split('/')) {
    if (name.startsWith('.')) throw issue(field, `expected no hidden names (starting with '.'), got ${JSON.stringify(name)}`);
  }
  return normal;
}
