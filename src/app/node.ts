/**
 * The airboot service on Node: the portable Bridge with Node's sockets and timer. Node binds ports
 * asynchronously, so start() waits until every service listens (or fails with the port's error) before it
 * reports the ports.
 */
import { createListenerGroup } from '../platform/node/tcp.js';
import { nodeTimer } from '../platform/node/timer.js';
import { DirectoryAssetStore } from '../platform/node/web-assets.js';
import { Bridge, type BridgeOptions, type ServiceName } from './bridge.js';

export type NodeBridgeOptions = Omit<BridgeOptions, 'listen' | 'timer'>;

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
  const bridge = new Bridge({ ...options, assets, listen: group.listen, timer: nodeTimer });
  bridge.start();
  try {
    await group.bound();
  } catch (error) {
    bridge.close();
    throw error;
  }
  const ports: Partial<Record<ServiceName, number>> = {};
  for (const [name, service] of bridge.services) ports[name] = service.port;
  return { bridge, ports, close: () => bridge.close() };
}
