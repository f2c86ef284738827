/**
 * The bench's results as Markdown tables and a hand-written SVG bar chart (no dependency).
 */

export interface FlashRow {
  path: 'device' | 'host-over-bridge' | 'stm32flash';
  rttMs: number;
  seconds: number;
  floorSeconds: number;
  ratio: number;
  /** The link model's prediction: floor + turns × RTT (bridge paths only). */
  expectedSeconds?: number;
  /** Request/answer round trips across the link. */
  turns: number;
  /** Bridge paths: this path's RTT-0 time + turns × RTT. */
  modelFromRtt0Seconds?: number;
  /** Bridge paths: (seconds − seconds at RTT 0) / (turns × RTT); 1 = exactly as modelled. */
  growthVsModel?: number;
  /** What the path reported (the device's job phases, ms). */
  detail?: Record<string, unknown>;
}

export interface ReflashResult {
  fullSeconds: number;
  skipUnchangedSeconds: number;
  ratio: number;
  [more: string]: unknown;
}

export interface BridgeRow {
  baud: number;
  clients: number;
  bytes: number;
  lost: number;
  p50Ms: number;
  p99Ms: number;
  bytesPerSecond: number;
  lineRatePercent?: number;
}

export interface BenchResults {
  machine: {
    cpus: number;
    cpu: string;
    node: string;
    date: string;
    /** 1-minute load average of the host when the run started and ended. */
    loadAverageAtStart?: number;
    loadAverageAtEnd?: number;
  };
  setup: Record<string, unknown>;
  flash: FlashRow[];
  /** The flasher straight on the chip's UART (bench/flash.ts), no service and no network, 64 KiB. */
  direct?: { seconds: number; floorSeconds: number; ratio: number };
  skipped: string[];
  reflash?: ReflashResult;
  /** The same on a chip whose bootloader has Get Checksum. */
  reflashWithChecksum?: ReflashResult & { chip: string };
  bridge: BridgeRow[];
  /** The issue's targets, each true/false (null: not measured in this run). */
  targets?: Record<string, boolean | number | null>;
}

const f = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

export function markdown(results: BenchResults): string {
  const lines: string[] = [];
  const m = results.machine;
  const load =
    m.loadAverageAtStart === undefined
      ? ''
      : `, load average ${f(m.loadAverageAtStart)} at the start and ${f(m.loadAverageAtEnd ?? Number.NaN)} at the end`;
  lines.push(`Machine: ${m.cpus} × ${m.cpu}, Node ${m.node}, ${m.date}${load}.`, '');
  if (results.flash.length > 0) {
    lines.push(
      `Flash ${results.setup.imageKiB} KiB into a simulated STM32${results.setup.chip} at 115200 8E1 (read-back verify), WiFi model ${results.setup.bandwidthBytesPerSecond} B/s:`,
      '',
      '| RTT (ms) | path | measured (s) | floor (s) | × floor | round trips | model: floor + trips × RTT (s) | model from RTT 0 (s) |',
      '|---:|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const row of results.flash)
      lines.push(
        `| ${row.rttMs} | ${row.path} | ${f(row.seconds)} | ${f(row.floorSeconds)} | ${f(row.ratio, 3)} | ${row.turns} | ${row.expectedSeconds === undefined ? '' : f(row.expectedSeconds)} | ${row.modelFromRtt0Seconds === undefined ? '' : f(row.modelFromRtt0Seconds)} |`,
      );
    lines.push('');
  }
  if (results.direct)
    lines.push(
      `Reference, same run: airboot's flasher straight on the simulated UART (no service, no network, \`npm run bench:flash\`): ${f(results.direct.seconds)} s, ${f(results.direct.ratio, 3)} × floor.`,
      '',
    );
  for (const reason of results.skipped) lines.push(`Skipped: ${reason}`, '');
  if (results.reflash) {
    lines.push(
      'Re-flash after changing 1 KiB (device path, RTT 0):',
      '',
      '| chip | full (s) | skip-unchanged (s) | ratio |',
      '|---|---:|---:|---:|',
    );
    const rows: Array<[string, ReflashResult]> = [
      [`${results.setup.chip} (no Get Checksum)`, results.reflash],
    ];
    if (results.reflashWithChecksum)
      rows.push([`${results.reflashWithChecksum.chip} (Get Checksum)`, results.reflashWithChecksum]);
    for (const [chip, r] of rows)
      lines.push(`| ${chip} | ${f(r.fullSeconds)} | ${f(r.skipUnchangedSeconds)} | ${f(r.ratio, 3)} |`);
    lines.push('');
  }
  if (results.bridge.length > 0) {
    lines.push(
      `Raw bridge, application streaming at line rate 8N1 for ${results.setup.bridgeSeconds} s, clients reading as fast as they can:`,
      '',
      '| baud | clients | bytes sent | % of line rate sent | lost | KiB/s per client | added latency p50 (ms) | p99 (ms) |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const row of results.bridge)
      lines.push(
        `| ${row.baud} | ${row.clients} | ${row.bytes} | ${row.lineRatePercent ?? '—'} | ${row.lost} | ${f(row.bytesPerSecond / 1024, 1)} | ${f(row.p50Ms)} | ${f(row.p99Ms)} |`,
      );
    lines.push('');
  }
  if (results.targets)
    lines.push(
      `Targets: ${Object.entries(results.targets)
        .map(([k, v]) => `${k} = ${v}`)
        .join(', ')}.`,
      '',
    );
  return lines.join('\n');
}

const COLORS: Record<FlashRow['path'], string> = {
  device: '#2b8a3e',
  'host-over-bridge': '#1c7ed6',
  stm32flash: '#e8590c',
};

/** Grouped bars: flash seconds per path at each RTT, the floor as a dashed line, the model as ticks. */
export function svgChart(rows: readonly FlashRow[], imageKiB: number): string {
  const rtts = [...new Set(rows.map((r) => r.rttMs))].sort((a, b) => a - b);
  const paths = (['device', 'host-over-bridge', 'stm32flash'] as const).filter((p) =>
    rows.some((r) => r.path === p),
  );
  const width = 720;
  const height = 400;
  const left = 60;
  const bottom = 50;
  const top = 40;
  const plotW = width - left - 20;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.seconds, r.expectedSeconds ?? 0)));
  const step = niceStep(max / 5);
  const yMax = Math.ceil(max / step) * step;
  const y = (s: number) => top + plotH - (s / yMax) * plotH;
  const groupW = plotW / Math.max(1, rtts.length);
  const barW = (groupW * 0.7) / Math.max(1, paths.length);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">Flash ${imageKiB} KiB over a modelled WiFi link: seconds by round-trip time</text>`,
  );
  for (let s = 0; s <= yMax + 1e-9; s += step) {
    out.push(
      `<line x1="${left}" x2="${width - 20}" y1="${y(s)}" y2="${y(s)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(s) + 4}" text-anchor="end">${Number(s.toFixed(3))}</text>`,
    );
  }
  out.push(
    `<text x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">seconds</text>`,
  );
  rtts.forEach((rtt, g) => {
    const x0 = left + g * groupW + groupW * 0.15;
    out.push(
      `<text x="${left + g * groupW + groupW / 2}" y="${top + plotH + 18}" text-anchor="middle">RTT ${rtt} ms</text>`,
    );
    paths.forEach((path, p) => {
      const row = rows.find((r) => r.rttMs === rtt && r.path === path);
      if (!row) return;
      const x = x0 + p * barW;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y(row.seconds).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(top + plotH - y(row.seconds)).toFixed(1)}" fill="${COLORS[path]}"><title>${path} at RTT ${rtt} ms: ${row.seconds.toFixed(2)} s</title></rect>`,
      );
      if (row.expectedSeconds !== undefined)
        out.push(
          `<line x1="${x.toFixed(1)}" x2="${(x + barW - 2).toFixed(1)}" y1="${y(row.expectedSeconds).toFixed(1)}" y2="${y(row.expectedSeconds).toFixed(1)}" stroke="black" stroke-width="2"/>`,
        );
    });
    const floor = rows.find((r) => r.rttMs === rtt)?.floorSeconds;
    if (floor !== undefined)
      out.push(
        `<line x1="${left + g * groupW + 4}" x2="${left + (g + 1) * groupW - 4}" y1="${y(floor).toFixed(1)}" y2="${y(floor).toFixed(1)}" stroke="#555" stroke-dasharray="4 3"/>`,
      );
  });
  const legend = [
    ...paths.map((p) => ({ label: p, swatch: `<rect width="12" height="12" fill="${COLORS[p]}"/>` })),
    {
      label: 'protocol floor',
      swatch: '<line x1="0" x2="12" y1="6" y2="6" stroke="#555" stroke-dasharray="4 3"/>',
    },
    { label: 'model', swatch: '<line x1="0" x2="12" y1="6" y2="6" stroke="black" stroke-width="2"/>' },
  ];
  legend.forEach((item, i) => {
    const x = left + i * 125;
    out.push(
      `<g transform="translate(${x} ${height - 22})">${item.swatch}<text x="16" y="11">${item.label}</text></g>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}
