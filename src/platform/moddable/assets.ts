/**
 * The web page's files from the firmware's resources (manifest `resources`: dist/web's .gz files). A Resource is
 * mapped from flash, so a Uint8Array over it costs no RAM for the bytes. Each asset object is made once, so its ETag
 * (service/static-assets.ts) is hashed once.
 */
import Resource from 'Resource';
import { type Asset, type AssetStore, assetType } from '../../service/static-assets.js';

/** Request paths served: plain file names (no directories, no dot files). */
const FILE_NAME = /^\/[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

export class ResourceAssetStore implements AssetStore {
  private readonly cache = new Map<string, Asset | null>();

  get(path: string): Asset | undefined {
    if (!FILE_NAME.test(path) || path.endsWith('.gz')) return undefined;
    let asset = this.cache.get(path);
    if (asset === undefined) {
      asset = load(path.slice(1));
      // Bounded: only names that exist are kept, and the firmware has a handful.
      if (asset) this.cache.set(path, asset);
    }
    return asset ?? undefined;
  }
}

function load(name: string): Asset | null {
  const type = assetType(name);
  if (Resource.exists(`${name}.gz`))
    return { body: new Uint8Array(new Resource(`${name}.gz`)), type, gzip: true };
  if (Resource.exists(name)) return { body: new Uint8Array(new Resource(name)), type, gzip: false };
  return null;
}
