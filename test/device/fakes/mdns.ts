/** Fake of Moddable's `mdns`: claims the name on the next timer turn and records the services. */
import { world } from './world.js';

interface Service {
  name: string;
  protocol: string;
  port: number;
  txt?: Record<string, string>;
}

export default class FakeMdns {
  constructor(options: { hostName: string }, callback?: (message: number, value: unknown) => void) {
    world.mdns.hostName = options.hostName;
    world.clock.set(() => callback?.(1, options.hostName), 0);
  }

  add(service: Service): void {
    world.mdns.services.push({ name: service.name, txt: { ...service.txt } });
  }

  update(service: Service): void {
    const known = world.mdns.services.find((s) => s.name === service.name);
    if (known) known.txt = { ...service.txt };
  }

  remove(): void {}

  close(): void {}
}
