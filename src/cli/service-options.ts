import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ServiceName } from '../app/bridge.js';
import type { RunningBridge } from '../app/node.js';
import { JsonFileStorage } from '../platform/node/file-storage.js';
import { nodeRandom } from '../platform/node/random.js';
import { nodeTimer } from '../platform/node/timer.js';
import { MemoryStorage, OverlayStorage, SettingsStore } from '../service/settings.js';
import { parsePort } from './options.js';

/** Where `airboot bridge` keeps its settings unless --config says otherwise (XDG base directory convention). */
export function defaultConfigFile(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'airboot', 'settings.json');
}

/** Options of the commands that run the service (`bridge`, `demo`). */
export interface ServiceOptions {
  listen: string;
  config?: string;
  httpPort?: number;
  bridgePort?: number;
  controlPort?: number;
  rfc2217Port?: number;
  json?: boolean;
  verbose?: boolean;
  mdns?: boolean;
}

/** Every port is a flag, so several instances can run side by side; 0 turns a service off. */
export function addServiceOptions(command: Command, defaultListen: string): Command {
  return command
    .option('--listen <address>', 'interface to listen on (0.0.0.0: every interface)', defaultListen)
    .option(
      '--config <file>',
      `settings file (JSON), written when settings change [bridge default: ${defaultConfigFile()}]`,
    )
    .option(
      '--http-port <port>',
      'web UI and HTTP API port, 0 = off [default: from settings, 8080]',
      parsePort,
    )
    .option('--bridge-port <port>', 'raw serial bridge port, 0 = off [default: 1234]', parsePort)
    .option('--control-port <port>', 'control port, 0 = off [default: 1235]', parsePort)
    .option('--rfc2217-port <port>', 'RFC 2217 port, 0 = off [default: 2217]', parsePort)
    .option(
      '--no-mdns',
      'do not announce the service on the LAN (mDNS; never done when listening on loopback)',
    )
    .option('--json', 'print the ports as one JSON line on stdout when ready')
    .option('-v, --verbose', 'log what the service does on stderr');
}

export function portOverrides(options: ServiceOptions): Partial<Record<ServiceName, number>> {
  const ports: Partial<Record<ServiceName, number>> = {};
  if (options.httpPort !== undefined) ports.http = options.httpPort;
  if (options.bridgePort !== undefined) ports.bridge = options.bridgePort;
  if (options.controlPort !== undefined) ports.control = options.controlPort;
  if (options.rfc2217Port !== undefined) ports.rfc2217 = options.rfc2217Port;
  return ports;
}

/**
 * Settings from --config, else from `defaultFile` (the bridge keeps its settings; the demo starts fresh each time),
 * else kept in memory for this run — with `overrides` (flat name → text, from flags) on top for this run only.
 */
export function settingsFor(
  options: ServiceOptions,
  overrides = new Map<string, string>(),
  defaultFile?: string,
): SettingsStore {
  const file = options.config ?? defaultFile;
  const base = file ? new JsonFileStorage(file) : new MemoryStorage();
  // The admin password's round count is calibrated on this machine (password-store.ts).
  return new SettingsStore(overrides.size > 0 ? new OverlayStorage(base, overrides) : base, {
    random: nodeRandom,
    timer: nodeTimer,
    // V8 does a round in about 20 µs: 4096 rounds (~80 ms) between timer turns keep the service responsive.
    sliceIterations: 4096,
  });
}

const DESCRIPTIONS: Record<ServiceName, (host: string, port: number) => string> = {
  http: (host, port) => `web UI and API   http://${host}:${port}/   (curl http://${host}:${port}/api/status)`,
  bridge: (host, port) => `raw serial       tcp://${host}:${port}    (nc ${host} ${port})`,
  control: (host, port) => `control port     tcp://${host}:${port}    (nc ${host} ${port}, then: help)`,
  rfc2217: (host, port) => `RFC 2217         rfc2217://${host}:${port}`,
};

/** What is protected and what is not, said once at start (README "Security"). */
function securityLines(running: RunningBridge, options: ServiceOptions, host: string): string[] {
  const loopback = /^(127\.|::1$|localhost$)/.test(options.listen ?? '');
  const who = loopback ? 'any program on this machine' : 'anyone who can reach this machine';
  const settings = running.bridge.options.settings.settings;
  if (!running.bridge.auth.required) {
    return [
      `No admin password: ${who} can flash, reset and reconfigure the target.`,
      `  Set one: airboot config set admin.password=… --host ${host}:${running.ports.http ?? 8080}` +
        `${loopback ? '' : ', or listen on loopback only: --listen 127.0.0.1'}`,
    ];
  }
  const open: string[] = [];
  if (running.ports.bridge !== undefined && !settings['bridge.login']) open.push('the raw bridge');
  if (running.ports.rfc2217 !== undefined && !settings['rfc2217.login'])
    open.push('RFC 2217 (incl. DTR/RTS)');
  return [
    'Admin password set: HTTP changes and control-port commands need it' +
      (open.length > 0
        ? `; ${open.join(' and ')} ${open.length > 1 ? 'stay' : 'stays'} open to ${who} (settings bridge.login, rfc2217.login)`
        : ''),
  ];
}

/** Print where each service listens: a table for people, one JSON line with --json. */
export function printPorts(running: RunningBridge, options: ServiceOptions, title: string): void {
  const host = options.listen === '0.0.0.0' || options.listen === '::' ? 'localhost' : options.listen;
  const passwordSet = running.bridge.auth.required;
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ event: 'listening', host: options.listen, ports: running.ports, auth: { required: passwordSet } })}\n`,
    );
    return;
  }
  const lines = [title];
  for (const name of ['http', 'bridge', 'control', 'rfc2217'] as const) {
    const port = running.ports[name];
    if (port !== undefined) lines.push(`  ${DESCRIPTIONS[name](host, port)}`);
  }
  lines.push(...securityLines(running, options, host));
  lines.push('Ctrl-C stops.');
  process.stdout.write(`${lines.join('\n')}\n`);
}
