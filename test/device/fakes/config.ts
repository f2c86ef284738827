/** Fake of `mc/config`: the manifest's config, as the test world sets it. */
import { world } from './world.js';

const config = new Proxy({} as Record<string, unknown>, {
  get: (_target, key) => world.config[key as string],
});
export default config;
