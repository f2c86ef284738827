/**
 * Callbacks the SDK calls (a socket's or listener's onReadable, a timer) run outside any JS caller: an exception
 * escaping one is "unhandled" and XS aborts the whole machine — on an ESP that is a reboot that drops every client
 * and any flash job. Wrapped here, the exception is logged with what was running and `recover` runs instead (a
 * socket closes itself), so one bad request costs one connection.
 */
import type { Log } from '../../io/contracts.js';

export function guarded<A extends unknown[]>(
  log: Log,
  what: string,
  callback: (...args: A) => void,
  recover?: () => void,
): (...args: A) => void {
  return (...args) => {
    try {
      callback(...args);
    } catch (error) {
      log('error', `${what}: ${describeError(error)}`);
      try {
        recover?.();
      } catch (again) {
        log('error', `${what}, recovering: ${describeError(again)}`);
      }
    }
  };
}

/** "TypeError: x is read-only" plus XS's stack when it has one (XS builds with mxDebug keep it). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const stack = typeof error.stack === 'string' ? error.stack : '';
  const head = `${error.name}: ${error.message}`;
  return stack.startsWith(head) ? stack : stack ? `${head}\n${stack}` : head;
}
