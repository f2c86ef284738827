/** Fake of Moddable's `Resource`: files of the world; constructing one yields its bytes' ArrayBuffer. */
import { toArrayBuffer, world } from './world.js';

function Resource(path: string): ArrayBuffer {
  const bytes = world.resources.get(path);
  if (!bytes) throw new Error(`resource not found: ${path}`);
  return toArrayBuffer(bytes);
}
Resource.exists = (path: string): boolean => world.resources.has(path);

export default Resource;
