/** Fake of Moddable's `net`. */
import { world } from './world.js';

const Net = {
  get(property: string, which?: 'ap' | 'station'): string | undefined {
    if (property === 'MAC') return world.wifi.mac;
    if (property === 'IP') return world.wifi.ip[which ?? 'station'];
    return undefined;
  },
};
export default Net;
