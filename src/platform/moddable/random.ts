/**
 * Random bytes on the device, for the admin password's salt and the login tokens (src/service/password-store.ts,
 * auth-guard.ts).
 *
 * On esp and esp32, XS's Math.random() is c_rand() / C_RAND_MAX, and Moddable's XS host defines c_rand() as the
 * chip's hardware random number generator: the RNG register at 0x3FF20E44 on the ESP8266, esp_random() on the
 * ESP32 (Moddable xs/platforms/esp/xsHost.h, xs/sources/xsMath.c fx_Math_random). Both draw their entropy from
 * the radio's noise, which is on whenever WiFi is, and the device always runs WiFi (station or access point).
 * Each call carries 31 random bits; one byte is taken from the top of each.
 */
import type { RandomFill } from '../../service/password-store.js';

export const deviceRandom: RandomFill = (into) => {
  for (let i = 0; i < into.length; i++) into[i] = Math.floor(Math.random() * 256);
};
