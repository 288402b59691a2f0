/**
 * Credentials that travel inside text, taken out before caplab shows or writes the text.
 * Pure.
 *
 * Two places in a URL carry secrets:
 * - its userinfo, `https://user:password@host` (RFC 3986 §3.2.1 deprecates a password there);
 * - its query, where presigned S3 URLs carry `X-Amz-Credential`, `X-Amz-Signature` and
 *   `X-Amz-Security-Token` (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html)
 *   and APIs take `token=`, `access_token=` (RFC 6750 §2.3), `api_key=`, `sig=`, ….
 *
 * k6 tags every HTTP sample with its request URL (`url`, and `name` unless the script names
 * it), so a threshold on a sub-metric such as `http_req_duration{name:https://…?token=…}`
 * carries the URL into reports, the gate's files and the history; k6's own output relayed by
 * `caplab run` does too. {@link redactSecrets} is applied where such text leaves caplab.
 *
 * A third kind is the value of a credential in the environment (`AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`, `CAPLAB_TOKEN`, …), which no message should hold but a library's error
 * might echo: {@link secretValuesOf} and {@link maskSecrets} hide them, as CI systems mask
 * their secrets in logs.
 */

/**
 * Userinfo in a URL-like piece of text: a scheme and its colon, any slashes, then everything
 * up to the last `@` before the authority ends at `/`, `?`, `#`, `\` or whitespace. It follows
 * the WHATWG URL parser (https://url.spec.whatwg.org/#authority-state), which takes the last
 * `@` of the authority as the end of userinfo (so a password holding `@` is redacted whole)
 * and, for http and https, reads `https:user:pw@host` (no slashes) as userinfo too.
 */
const USERINFO = /([a-z][a-z0-9+.-]*:[/\\]*)[^\s/?#\\]*@/gi;

/** `text` with the userinfo of every URL in it replaced by `***`. */
export function redactUserinfo(text: string): string {
  return text.replace(USERINFO, "$1***@");
}

/** Whether `text` holds a URL with userinfo. */
export function hasUserinfo(text: string): boolean {
  USERINFO.lastIndex = 0;
  const found = USERINFO.test(text);
  USERINFO.lastIndex = 0;
  return found;
}

/**
 * A query parameter whose name ends in a word that names a credential (case aside:
 * `X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`, `access_token`, `api_key`,
 * `apiKey`, `client_secret`, `password`, `sig`, `auth`, …), after `?`, `&` or `;`, and its
 * non-empty value up to the next `&`, `#`, whitespace, double quote, angle bracket,
 * backslash, brace or pipe (so the `}` that closes a k6 sub-metric stays). A single quote is
 * the value's end only where quoted text ends: before whitespace, a double quote, an angle
 * bracket, a backslash, a brace, a pipe, `,`, `;`, `)` or `]`, or at the text's end
 * (`'https://h/?token=abc')`); elsewhere (before `&` or `#` too, where the URL goes on) it is
 * part of the value, which RFC 3986 §3.4 lets a query hold unescaped (`token=ab'cd` is
 * redacted whole).
 */
const SECRET_PARAM =
  /([?&;](?:[\w.~%-]*?)(?:token|secret|passw(?:or)?d|pwd|signature|sig|credentials?|api[-_]?key|key|auth|authorization|session[-_]?id|jwt)(?:\[\])?=)(?:[^&#\s"'<>\\{}|`]|'+(?=[^\s"'<>\\{}|`,;)\]]))+/gi;

/**
 * The names of the credential-named query parameters in `text` with a value
 * ({@link redactQuerySecrets} takes their values out), each once, in order.
 * @example secretQueryNames("https://h/?a=1&token=abc&api_key=x") // ["token", "api_key"]
 */
export function secretQueryNames(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(SECRET_PARAM)) {
    const name = m[1]!.slice(1, -1);
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** `text` with the value of every credential-named query parameter replaced by `***`. */
export function redactQuerySecrets(text: string): string {
  return text.replace(SECRET_PARAM, "$1***");
}

/**
 * `text` with the credentials URLs and HTTP header lines carry taken out: userinfo
 * ({@link redactUserinfo}), credential-named query parameters ({@link redactQuerySecrets}) and
 * credential header lines ({@link redactHeaderLines}). Apply it to raw text, before
 * escaping for HTML, Markdown or a terminal (an escape can split a value).
 *
 * @example redactSecrets("https://u:p@h/x?X-Amz-Signature=abc&a=1") // "https://***@h/x?X-Amz-Signature=***&a=1"
 */
export function redactSecrets(text: string): string {
  const headers = redactHeaderLines(text);
  // Most text holds neither; skip the regular expressions then.
  if (!headers.includes("@") && !headers.includes("=")) return headers;
  return redactQuerySecrets(redactUserinfo(headers));
}

/**
 * HTTP header names whose values are credentials (case aside): `Authorization` and
 * `Proxy-Authorization` (RFC 9110 §11.6.2, §11.7.2), `Cookie` and `Set-Cookie` (RFC 6265 §4),
 * and the API-key, token and signature headers services define (`X-Api-Key`, `X-Auth-Token`,
 * `X-Amz-Security-Token`, `X-CSRF-Token`, `X-Hub-Signature-256`, `X-Functions-Key`,
 * `Ocp-Apim-Subscription-Key`, `X-JWT-Assertion`, …): a name starting `X-Auth`, holding
 * `token`, `secret`, `password`, `api-key`/`apikey`, `session-id`, `signature`, `credential`
 * or `jwt`, or ending in `Functions-Key`, `Subscription-Key`, `Access-Key`, `Private-Key`,
 * `Client-Key`, `Master-Key`, `App-Key` or `Service-Key`. A bare `Key`, `Idempotency-Key` and
 * `Sec-WebSocket-Key` are not credentials (a plan may send them: `caplab run` refuses a plan
 * whose headers hold a credential).
 */
const CREDENTIAL_HEADER =
  /^(?:(?:proxy-)?authorization|(?:set-)?cookie2?|x-auth[\w-]*|[\w-]*(?:token|secret|passw(?:or)?d|api[-_]?key|session[-_]?(?:id|key|token)|signature|credential|jwt)[\w-]*|[\w-]*(?:functions|subscription|access|private|client|master|app|service)[-_]key)$/i;

/** Whether the HTTP header `name` carries a credential ({@link CREDENTIAL_HEADER}). */
export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADER.test(name.trim());
}

/**
 * A header line, `Name: value`, where a line starts: at the start of the text, after a line
 * break, or after the escape `\n` or `\r` of a quoted string. `k6 run --http-debug` logs each
 * request and response with Go's httputil.DumpRequestOut / DumpResponse, CRLFs turned into
 * LFs, inside one log message (k6 `lib/netext/httpext/httpdebug_transport.go`; the output is
 * shown in https://grafana.com/docs/k6/latest/using-k6/http-debugging/): at a terminal the
 * lines stand as they are, and piped (the logfmt of its logger, or `--log-format json`, which
 * is what CloudWatch Logs gets) the message is one quoted string with `\n` between them. The
 * value runs to the end of the line or the next `\n`/`\r` escape (a header line is never
 * the last of a dump: an empty line follows the headers).
 */
const HEADER_LINE =
  /(^|[\r\n]|\\[nr])([ \t]*)([!#$%&'*+.^_`|~0-9A-Za-z-]+)([ \t]*:[ \t]*)((?:(?!\\[nr])[^\r\n])+)/g;

/** An authentication scheme kept before `***` (RFC 9110 §11.1): `Bearer ***`, `Basic ***`. */
const AUTH_SCHEME = /^(?:Bearer|Basic|Digest|Negotiate|NTLM|Token|Bot|AWS4-HMAC-SHA256|OAuth)\s+/i;

/**
 * `text` with the value of every credential header line ({@link isCredentialHeader}:
 * `Authorization`, `Cookie`, `Set-Cookie`, `X-Api-Key`, …) replaced by `***`, an
 * authentication scheme kept: `Authorization: Bearer ***`. See {@link HEADER_LINE} for where
 * a header line may stand.
 *
 * @example redactHeaderLines("GET / HTTP/1.1\nAuthorization: Bearer abc\nHost: h")
 *   // "GET / HTTP/1.1\nAuthorization: Bearer ***\nHost: h"
 */
export function redactHeaderLines(text: string): string {
  if (!text.includes(":")) return text;
  return text.replace(
    HEADER_LINE,
    (line: string, start: string, indent: string, name: string, colon: string, value: string) => {
      if (!isCredentialHeader(name)) return line;
      const scheme = AUTH_SCHEME.exec(value)?.[0] ?? "";
      return `${start}${indent}${name}${colon}${scheme}***`;
    },
  );
}

/**
 * Environment variables whose values are credentials: the AWS SDK's
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-static-credentials.html) and
 * caplab's request headers for `run` (`CAPLAB_TOKEN`, `CAPLAB_HEADER_<NAME>`).
 */
const SECRET_ENV =
  /^(AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_SECURITY_TOKEN|AWS_ACCESS_KEY_ID|CAPLAB_TOKEN|CAPLAB_HEADER_.+)$/;

/** Values shorter than this are not masked (masking "1" or "true" would garble every line). @default 8 */
export const MIN_MASKED_SECRET_CHARS = 8;

/** The credential values in `env` ({@link SECRET_ENV}), longest first, to mask. */
export function secretValuesOf(
  env: Readonly<Record<string, string | undefined>>,
): readonly string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env))
    if (SECRET_ENV.test(name) && value !== undefined && value.length >= MIN_MASKED_SECRET_CHARS)
      values.add(value);
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * `text` with {@link redactSecrets} applied and each of `secrets` (from
 * {@link secretValuesOf}) replaced by `***`.
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = redactSecrets(text);
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("***");
  return out;
}

/**
 * `value` (JSON-like: plain objects, arrays, strings, numbers, …) with {@link redactSecrets}
 * applied to every string in it, keys included (a `Date` or another class's object is kept
 * as it is); for the manifests caplab writes, whose fields
 * hold what other programs said (k6's version line, sources, notes).
 */
export function redactStrings<T>(value: T): T {
  if (typeof value === "string") return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactStrings(v)) as T;
  if (value !== null && typeof value === "object" && isPlainObject(value))
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [redactSecrets(k), redactStrings(v)]),
    ) as T;
  return value;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
