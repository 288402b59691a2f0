/**
 * URLs from the command line: credentials in them are refused, and never echoed.
 *
 * A URL's userinfo (`https://user:password@host`, RFC 3986 §3.2.1, which "is deprecated" for
 * passwords there) would travel wherever the URL goes: k6 writes the request URL into every
 * sample's `url` tag, RunTask overrides are visible in DescribeTasks, a k6-operator TestRun
 * is a file people commit. The same holds for a credential in the query (`?token=…`,
 * `?api_key=…`, a presigned URL's `X-Amz-Signature`). caplab refuses such a URL before it
 * writes or sends anything, and
 * `redactUserinfo` (sim/vocab/redact.ts) takes userinfo out of any text that could echo one (error messages,
 * stacks).
 */
import { UsageError } from "../../../sim/vocab/errors.js";
import {
  hasUserinfo,
  redactSecrets,
  redactUserinfo,
  secretQueryNames,
} from "../../../sim/vocab/redact.js";

export { hasUserinfo, redactUserinfo };

/** What to do instead, per kind of URL. */
const INSTEAD = {
  target:
    "give a token with CAPLAB_TOKEN (and CAPLAB_TOKEN_HEADER) or a header with CAPLAB_HEADER_<NAME> instead",
  aws: "AWS credentials come from the default credential chain (AWS_PROFILE, the environment, a role), never from a URL",
} as const;

/**
 * An http(s) URL from the flag `flag`, parsed; a UsageError (one sentence, the URL redacted)
 * when it is not a URL, has another scheme, or carries a user name or password or a
 * credential-named query parameter (`?token=…`, `X-Amz-Signature=…`: secretQueryNames).
 */
export function parseHttpUrl(flag: string, text: string, kind: keyof typeof INSTEAD): URL {
  const shown = redactUserinfo(text);
  if (hasUserinfo(text))
    throw new UsageError(
      `${flag} ${shown} carries a user name or password, which caplab refuses (it would be written wherever the URL goes); ${INSTEAD[kind]}.`,
      "credentials-in-url",
    );
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Unparseable: whatever stands before the last "@" may be a password with a stray "/",
    // "?" or "#" in it, so none of it is shown.
    const loosely = shown.replace(/^([^:/]*:[/\\]*)[^]*@/, "$1***@");
    throw new UsageError(
      `${flag} "${loosely}" is not a URL; write it like https://my-alb.example.com.`,
      "bad-flag",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(
      `${flag} ${shown} is a ${url.protocol.slice(0, -1)} URL; caplab speaks http and https only, as in https://my-alb.example.com.`,
      "bad-flag",
    );
  if (url.username !== "" || url.password !== "")
    throw new UsageError(
      `${flag} ${shown} carries a user name or password, which caplab refuses (it would be written wherever the URL goes); ${INSTEAD[kind]}.`,
      "credentials-in-url",
    );
  const names = secretQueryNames(url.search + url.hash);
  if (names.length > 0)
    throw new UsageError(
      `${flag} ${redactSecrets(text)} carries a credential in its query (${names.join(", ")}), which caplab refuses (it would be written wherever the URL goes: ECS RunTask overrides, which anyone allowed DescribeTasks reads, a k6-operator testrun.yaml, k6's url tags); ${INSTEAD[kind]}.`,
      "credentials-in-url",
    );
  return url;
}
