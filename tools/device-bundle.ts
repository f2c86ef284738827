/**
 * Bundling the device firmware for the XS engine of @agoric/xsnap, with Moddable's modules (`embedded:io/…`,
 * `timer`, `wifi`, `airboot/serial`, …) resolved to the fakes of the same name in test/device/fakes. Used by
 * tools/test-device.ts (the tests) and tools/device-heap.ts (the heap measurement of docs/device.md).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { type } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const deviceTests = path.join(root, 'test/device');
export const fakes = path.join(deviceTests, 'fakes');

/** Module specifier on the device → its fake. Every module the firmware imports must be here. */
const FAKES: Readonly<Record<string, string>> = {
  'airboot/serial': 'serial.ts',
  'embedded:io/digital': 'digital.ts',
  'embedded:io/socket/listener': 'listener.ts',
  'embedded:io/socket/tcp': 'tcp.ts',
  'embedded:io/socket/udp': 'udp.ts',
  timer: 'timer.ts',
  time: 'time.ts',
  preference: 'preference.ts',
  flash: 'flash.ts',
  Resource: 'resource.ts',
  wifi: 'wifi.ts',
  net: 'net.ts',
  mdns: 'mdns.ts',
  instrumentation: 'instrumentation.ts',
  'embedded:update': 'update.ts',
  'embedded:storage/flash': 'storage-flash.ts',
  'mc/config': 'config.ts',
};

const deviceModules: Plugin = {
  name: 'moddable-fakes',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) => {
      const fake = FAKES[args.path];
      if (fake) return { path: path.join(fakes, fake) };
      if (args.path.startsWith('embedded:')) {
        return {
          errors: [
            { text: `no fake for ${args.path}: add one to test/device/fakes and tools/device-bundle.ts` },
          ],
        };
      }
      return undefined;
    });
  },
};

/**
 * One script for xsnap from `entry` (JavaScript importing by absolute path), Moddable's modules faked — unless
 * `deviceFakes` is false (the portable suite, which must import none of them).
 */
export async function bundleForXs(entry: string, sourcefile: string, deviceFakes = true): Promise<string> {
  const bundle = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'js', sourcefile },
    bundle: true,
    format: 'iife',
    target: 'es2022',
    platform: 'neutral',
    plugins: deviceFakes ? [deviceModules] : [],
    write: false,
    logLevel: 'warning',
  });
  return bundle.outputFiles[0]!.text;
}

export interface XsWorker {
  evaluate(
    code: string,
  ): Promise<{ meterUsage: { currentHeapCount: number | null; allocate: number | null } }>;
  close(): Promise<void>;
}

/** An xsnap worker; `onCommand` receives what the script passes to `issueCommand`. */
export async function startXs(name: string, onCommand: (message: Uint8Array) => void): Promise<XsWorker> {
  // @agoric/xsnap ships no types; this is the part of its API used here.
  const { xsnap } = (await import('@agoric/xsnap' as string)) as {
    xsnap: (options: Record<string, unknown>) => Promise<XsWorker>;
  };
  return xsnap({
    os: type(),
    spawn,
    fs: { ...fs, ...fsp },
    name,
    meteringLimit: 0,
    stdout: 'inherit',
    stderr: 'inherit',
    handleCommand: async (message: Uint8Array) => {
      onCommand(message);
      return new Uint8Array(0);
    },
  });
}
