export { HTTP_ERROR_STATUS, HttpError, type HttpErrorCode } from './errors.js';
export {
  isToken,
  listElements,
  listHas,
  type ParameterizedValue,
  parseParameterized,
} from './field-syntax.js';
export {
  MULTIPART_LIMITS,
  type MultipartLimits,
  MultipartParser,
  type MultipartParserOptions,
  type MultipartPartHead,
  multipartBoundary,
} from './multipart.js';
export {
  HTTP_REQUEST_LIMITS,
  type HttpRequestHead,
  type HttpRequestLimits,
  HttpRequestParser,
  type HttpRequestParserOptions,
} from './request-parser.js';
export {
  CHUNK_END,
  chunkHeader,
  encodeChunk,
  encodeResponse,
  encodeResponseHead,
  errorResponse,
  formatHttpDate,
  type HeaderFields,
  headerPairs,
  jsonResponse,
  lastChunk,
  REASON_PHRASES,
  reasonPhrase,
} from './response.js';
export { parseQuery, parseRequestTarget, percentDecode, type RequestTarget } from './target.js';
