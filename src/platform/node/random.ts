/** The strong random source of Node (Web Crypto's getRandomValues), for salts and session tokens. */
import { webcrypto } from 'node:crypto';
import type { RandomFill } from '../../service/password-store.js';

export const nodeRandom: RandomFill = (into) => {
  webcrypto.getRandomValues(into);
};
