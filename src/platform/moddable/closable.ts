/**
 * ECMA-419 gives every IO instance a `close()` (§9.2 "close method"), and Moddable's implementations of the listener,
 * UDP socket and mDNS have one (modules/io/socket/lwip/listener.js, udp.js; modules/network/mdns/mdns.js), but
 * Moddable 8.2.3's own typings leave it out. mcconfig type-checks the firmware against those typings, so the call
 * goes through this one place instead of a cast at every site.
 */
export function closeInstance(instance: object): void {
  (instance as { close(): void }).close();
}
