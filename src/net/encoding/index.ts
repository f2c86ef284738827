export { decodeBase64, encodeBase64 } from './base64.js';
export { EncodingError } from './errors.js';
export { Sha1, sha1 } from './sha1.js';
export { decodeUtf8, encodeUtf8, isUtf8, Utf8Validator } from './utf8.js';
