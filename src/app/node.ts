/**
 * The airboot service on Node: the portable Bridge with Node's sockets and timer. Node binds ports
 * asynchronously, so start() waits until every service listens (or fails with the port's error) before it
 * reports the ports.
 */
import { type Advertisement, advertise } from '../platform/node/mdns.js';
import { nodeRandom } from '../platform/node/random.js';
import { createListenerGroup } from '../platform/node/tcp.js';
import { nodeTimer } from '../platform/node/timer.js';
import { DirectoryAssetStore } from '../platform/node/web-assets.js';
import { Bridge, type BridgeOptions, type ServiceName } from './bridge.js';

export type NodeBridgeOptions = Omit<BridgeOptions, 'listen' | 'timer'> & {
  /** Announce the service on the LAN (mDNS `_airboot._tcp`, `_http._tcp`). Default: when not on loopback only. */
  mdns?: boolean;
};

export interface RunningBridge {
  readonly bridge: Bridge;
  /** The port each running service is bound to. */
  readonly ports: Partial<Record<ServiceName, number>>;
  close(): void;
}

export async function startNodeBridge(options: NodeBridgeOptions): Promise<RunningBridge> {
  const group = createListenerGroup();
  const assets = options.assets ?? new DirectoryAssetStore();
  if (assets instanceof DirectoryAssetStore && !assets.built) {
    options.log?.('warn', 'the web page is not built (run npm run build): the HTTP port serves only the API');
  }
  const bridge = new Bridge({
    random: nodeRandom,
    ...options,
    assets,
    listen: group.listen,
    timer: nodeTimer,
  });
  bridge.start();
  try {
    await group.bound();
  } catch (error) {
    bridge.close();
    throw error;
  }
  const ports: Partial<Record<ServiceName, number>> = {};
  for (const [name, service] of bridge.services) ports[name] = service.port;
  const announcement = announce(bridge, ports.http, options);
  return {
    bridge,
    ports,
    close: () => {
      void announcement?.stop();
      bridge.close();
    },
  };
}

/**
 * mDNS: the HTTP port under the `device.name` setting, with the version and, once a flash job has identified it,
 * the chip in the TXT record. Not for a service that listens on loopback only: nobody on the LAN could reach it.
 */
function announce(
  bridge: Bridge,
  httpPort: number | undefined,
  options: NodeBridgeOptions,
): Advertisement | undefined {
  const loopback = options.host !== undefined && /^(127\.|::1$|localhost$)/.test(options.host);
  if (httpPort === undefined || !(options.mdns ?? !loopback)) return undefined;
  const name = options.settings.settings['device.name'];
  const advertisement = advertise({
    name,
    port: httpPort,
    txt: { version: options.version },
    log: options.log,
  });
  let chip: string | undefined;
  bridge.flashes.subscribe((record) => {
    const found = record.result?.chip.name;
    if (record.state !== 'succeeded' || !found || found === chip) return;
    chip = found;
    void advertisement.updateTxt({ version: options.version, chip });
  });
  return advertisement;
}
