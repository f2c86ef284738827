/**
 * The web UI's files for the service on Node: an AssetStore over a directory built by tools/build-web.ts
 * (dist/web). Each file is served as its `.gz` copy when there is one (as the device does), else as it is.
 * Files are read when asked for, so a rebuild shows on the next page load without restarting the service.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Asset, type AssetStore, assetType } from '../../service/static-assets.js';

/** dist/web next to this module's dist/src/platform/node/. */
export function defaultWebAssetsDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web');
}

/** Request path segments allowed: plain file names, no dot files, no directories (so no `..`). */
const FILE_NAME = /^\/[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

export class DirectoryAssetStore implements AssetStore {
  constructor(readonly dir: string = defaultWebAssetsDir()) {}

  /** Whether the UI has been built (index.html or its .gz is there). */
  get built(): boolean {
    return this.get('/index.html') !== undefined;
  }

  get(requestPath: string): Asset | undefined {
    if (!FILE_NAME.test(requestPath) || requestPath.endsWith('.gz')) return undefined;
    const file = path.join(this.dir, requestPath.slice(1));
    const type = assetType(file);
    if (existsSync(`${file}.gz`)) return { body: read(`${file}.gz`), type, gzip: true };
    if (existsSync(file)) return { body: read(file), type, gzip: false };
    return undefined;
  }
}

function read(file: string): Uint8Array {
  const buffer = readFileSync(file);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
