/**
 * A refused call → the error text the original ASEXOR gave for it (docs/legacy-protocols.md, "Errors"),
 * so that old clients that match on it keep working: `No task with name X`, `Not authorised to run X`,
 * `QueueFull()`. Any other refusal keeps asexor's own message (e.g. the `invalid_params` summary).
 */
import { AppErrorReason } from '../wamp/app-uris.ts';
import { WampErrorUri } from '../wamp/uris.ts';

export const QUEUE_FULL_TEXT = 'QueueFull()';

export function noSuchTaskText(task: string): string {
  return `No task with name ${task}`;
}

export function notAuthorisedText(task: string): string {
  return `Not authorised to run ${task}`;
}

/** The last component of an application error URI: `asexor.error.queue_full` → `queue_full`. */
function reasonOf(uri: string): string {
  return uri.slice(uri.lastIndexOf('.') + 1);
}

/**
 * `uri` and `message` are the WAMP ERROR of the task call (`message` = its first argument, if a string).
 * Works for any URI prefix: asexor's reasons are matched on the URI's last component.
 */
export function legacyErrorText(task: string, uri: string, message: string | undefined): string {
  if (uri === WampErrorUri.noSuchProcedure) return noSuchTaskText(task);
  if (uri === WampErrorUri.notAuthorized) return notAuthorisedText(task);
  if (!uri.startsWith('wamp.')) {
    switch (reasonOf(uri)) {
      case AppErrorReason.noSuchTask:
        return noSuchTaskText(task);
      case AppErrorReason.notAuthorized:
        return notAuthorisedText(task);
      case AppErrorReason.queueFull:
        return QUEUE_FULL_TEXT;
      default:
        break;
    }
  }
  return message ?? uri;
}
