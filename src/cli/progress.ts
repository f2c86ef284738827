/** One progress report of a flash job: which phase, how far (in the phase's own units, usually bytes). */
export interface ProgressEvent {
  phase: string;
  done: number;
  total: number;
  percent: number;
}

export interface ProgressDisplay {
  update(event: ProgressEvent): void;
  /** End the display (a TTY bar gets its final newline). */
  finish(): void;
}

const BAR_WIDTH = 30;

/**
 * Progress on stderr. On a terminal, a bar redrawn in place (at most every 50 ms); otherwise one line per phase
 * and per 25 %, which reads well in a CI log.
 */
export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  return stream.isTTY ? new BarDisplay(stream) : new LineDisplay(stream);
}

/** A display that shows nothing (--json, --quiet). */
export const noProgress: ProgressDisplay = { update() {}, finish() {} };

class BarDisplay implements ProgressDisplay {
  private lastDraw = 0;
  private phase = '';
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(event: ProgressEvent): void {
    if (event.total === 0) return; // a phase with nothing to do (all pages unchanged, no verify)
    const now = Date.now();
    const newPhase = event.phase !== this.phase;
    if (!newPhase && event.done < event.total && now - this.lastDraw < 50) return;
    if (newPhase && this.drawn) this.stream.write('\n');
    this.phase = event.phase;
    this.lastDraw = now;
    const percent = clampPercent(event.percent);
    const filled = Math.round((percent / 100) * BAR_WIDTH);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
    this.stream.write(
      `\r${event.phase.padEnd(10)} [${bar}] ${String(percent).padStart(3)}%  ${amount(event.done, event.total)}\x1b[K`,
    );
    this.drawn = true;
  }

  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

class LineDisplay implements ProgressDisplay {
  private phase = '';
  private step = -1;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(event: ProgressEvent): void {
    if (event.total === 0) return;
    const percent = clampPercent(event.percent);
    const step = Math.floor(percent / 25);
    if (event.phase === this.phase && step === this.step) return;
    this.phase = event.phase;
    this.step = step;
    this.stream.write(`${event.phase}: ${percent}% (${amount(event.done, event.total)})\n`);
  }

  finish(): void {}
}

function clampPercent(percent: number): number {
  return Math.max(0, Math.min(100, Math.round(Number.isFinite(percent) ? percent : 0)));
}

function amount(done: number, total: number): string {
  if (total >= 4096) return `${(done / 1024).toFixed(1)}/${(total / 1024).toFixed(1)} KiB`;
  return `${done}/${total}`;
}
