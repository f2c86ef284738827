import type { Log, LogLevel } from '../../io/contracts.js';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['debug', 'info', 'warn', 'error']);

export function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

export interface StderrLogOptions {
  /** Messages below this level are dropped. Default 'info'. */
  level?: LogLevel;
  /** Written before every line, e.g. 'airboot sim'. Default 'airboot'. */
  prefix?: string;
  /** Where lines go; default process.stderr. Tests pass their own. */
  write?: (line: string) => void;
}

/**
 * A Log that writes one line per message to stderr, so stdout stays free for results (`--json`). Debug lines carry
 * a millisecond timestamp from the process start, which is what one wants when reading a protocol trace.
 */
export function createStderrLog(options: StderrLogOptions = {}): Log {
  const threshold = RANK[options.level ?? 'info'];
  const prefix = options.prefix ?? 'airboot';
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  return (level, message) => {
    if (RANK[level] < threshold) return;
    const stamp = level === 'debug' ? ` +${process.uptime().toFixed(3)}s` : '';
    const tag = level === 'info' ? '' : ` ${level}`;
    write(`${prefix}${tag}${stamp}: ${message}\n`);
  };
}
