export { HTTP_ERROR_STATUS, HttpError, type HttpErrorCode } from './errors.js';
export { EventStream, type EventStreamOptions } from './event-stream.js';
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
export { JSON_BODY_LIMIT, type RouteContext, type RouteHandler, Router, readJsonBody } from './router.js';
export {
  type BodySink,
  HttpServer,
  type HttpServerOptions,
  type RequestHandler,
  ServerRequest,
} from './server.js';
export { ServerResponse } from './server-response.js';
export { SocketWriter } from './socket-writer.js';
export { parseQuery, parseRequestTarget, percentDecode, type RequestTarget } from './target.js';
