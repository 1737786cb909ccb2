import { SluiceError } from '../errors.js';

/**
 * The media type a webhook must be sent as: exactly `application/json`, with at most a `charset=utf-8`
 * parameter. Anything else (`application/jsonp`, `application/json-patch+json`, a form) is refused,
 * with `hint` saying where the sender's setting is.
 */
export function checkJsonContentType(header: string | string[] | undefined, hint: string): void {
  const value = typeof header === 'string' ? header : '';
  const [type = '', ...params] = value.split(';').map((part) => part.trim().toLowerCase());
  const charsetOk = params.every((param) => {
    const [name, raw = ''] = param.split('=').map((s) => s.trim());
    return name === 'charset' && raw.replace(/^"(.*)"$/, '$1') === 'utf-8';
  });
  if (type === 'application/json' && charsetOk) return;
  const shown = value ? `"${value.slice(0, 100)}"` : '(none)';
  const why =
    type === 'application/json'
      ? 'only the charset parameter utf-8 is understood'
      : type === 'application/x-www-form-urlencoded'
        ? 'form-encoded deliveries are not supported'
        : 'only application/json is';
  throw new SluiceError(
    'WEBHOOK_UNSUPPORTED_MEDIA',
    `content type ${shown} is not supported (${why}): ${hint}`,
  );
}

/**
 * Forges send webhook bodies uncompressed; a Content-Encoding other than identity means something in
 * between changed the bytes (and the signature was made over others). 415, with `hint`.
 */
export function checkContentEncoding(header: string | string[] | undefined, hint: string): void {
  const value = typeof header === 'string' ? header.trim().toLowerCase() : '';
  if (value === '' || value === 'identity') return;
  throw new SluiceError(
    'WEBHOOK_UNSUPPORTED_MEDIA',
    `content encoding "${value.slice(0, 50)}" is not supported (bodies are read as sent): ${hint}`,
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as a JSON object, or a 400 that says why not: not UTF-8, not JSON, or JSON that is not an
 * object (an array, a string, a number, null). V8's JSON.parse is not recursive, so depth alone cannot
 * crash it; numbers too large for a double become Infinity and fail the schemas' integer checks.
 */
export function readJsonObject(body: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new SluiceError('WEBHOOK_PAYLOAD_MALFORMED', 'the webhook body is not valid UTF-8.');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    const where = /position \d+/.exec((error as Error).message)?.[0];
    throw new SluiceError(
      'WEBHOOK_PAYLOAD_MALFORMED',
      `the webhook body is not valid JSON${where ? ` (at ${where})` : ''}.`,
    );
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    const kind = Array.isArray(payload) ? 'an array' : payload === null ? 'null' : `a ${typeof payload}`;
    throw new SluiceError('WEBHOOK_PAYLOAD_MALFORMED', `the webhook body is ${kind}, not a JSON object.`);
  }
  return payload as Record<string, unknown>;
}
