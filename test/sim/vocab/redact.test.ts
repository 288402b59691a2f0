import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isCredentialHeader,
  maskSecrets,
  MIN_MASKED_SECRET_CHARS,
  redactHeaderLines,
  redactSecrets,
  redactStrings,
  secretValuesOf,
} from "../../../sim/vocab/redact.js";

/**
 * A secret: a marker no other text holds, then characters a query value may hold unescaped
 * (RFC 3986 §3.4), single quotes among them.
 */
const secret = fc
  .stringMatching(/^[A-Za-z0-9%._~+/'!$*:@-]{0,24}$/)
  .map((tail) => `Zq9SECRET${tail}`);
/** A password as it stands in a URL's userinfo (a "/" there would end the authority). */
const password = fc
  .stringMatching(/^[A-Za-z0-9%._~+!$'()*,;=:-]{0,24}$/)
  .map((tail) => `Zq9PASSWORD${tail}`);

describe("redactSecrets", () => {
  it.each([
    [
      "a presigned S3 URL",
      "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Security-Token=FwoGZX&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027",
      "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***&X-Amz-Security-Token=***&X-Amz-Signature=***",
    ],
    [
      "a k6 sub-metric on a URL with a user, a token and an API key",
      "http_req_duration{name:https://u:pw@api.example.com/x?token=abc&page=2&api_key=k1}",
      "http_req_duration{name:https://***@api.example.com/x?token=***&page=2&api_key=***}",
    ],
    [
      "OAuth's access_token (RFC 6750 §2.3) and a fragment",
      "GET /cb?access_token=eyJhbGciOi.x.y#top",
      "GET /cb?access_token=***#top",
    ],
    [
      "names in any case",
      "/x?ApiKey=1&SIG=2&Client_Secret=3",
      "/x?ApiKey=***&SIG=***&Client_Secret=***",
    ],
    ["a value with a single quote in it", "/x?token=ab'cd''ef&a=1", "/x?token=***&a=1"],
    [
      "a URL in single quotes, whose closing quote stays",
      "fetch('https://h/x?token=abc'); get('/y?sig=d', 'z?key=e')",
      "fetch('https://h/x?token=***'); get('/y?sig=***', 'z?key=***')",
    ],
    ["a value that starts with a quote", "/x?token='abc'", "/x?token=***'"],
  ])("takes out %s", (_, text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it.each([
    "p(95)<500",
    "rate<0.01",
    "/search?q=tokens&page=2",
    "http_req_duration{name:https://api.example.com/x?tokenizer=bert}",
    "key: value",
    "a=b",
    "/x?token=",
  ])("leaves %s as it is", (text) => {
    expect(redactSecrets(text)).toBe(text);
  });

  it("never shows a credential-named parameter's value, wherever the URL sits", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          "token",
          "access_token",
          "X-Amz-Signature",
          "X-Amz-Credential",
          "X-Amz-Security-Token",
          "api_key",
          "apiKey",
          "password",
          "sig",
        ),
        secret,
        password,
        fc.string(),
        fc.string(),
        (name, value, password, before, after) => {
          const url = `https://user:${password}@h.example.com/p?a=1&${name}=${value}&b=2`;
          const shown = redactSecrets(`${before} ${url} ${after}`);
          expect(shown).not.toContain(value);
          expect(shown).not.toContain(password);
          expect(shown).toContain("a=1&");
          // Nothing of the value is left, not even after a quote inside it.
          expect(shown).toContain(`&${name}=***&b=2`);
        },
      ),
    );
  });
});

describe("maskSecrets", () => {
  it("hides the credential values of the environment, and only those", () => {
    const env = {
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      AWS_SESSION_TOKEN: "FwoGZXIvYXdzEBYaDHqa0AP",
      CAPLAB_TOKEN: "short",
      CAPLAB_HEADER_X_API_KEY: "hdr-value-123",
      AWS_REGION: "eu-west-1a-long-enough",
    };
    const secrets = secretValuesOf(env);
    expect(secrets).toEqual([
      env.AWS_SECRET_ACCESS_KEY,
      env.AWS_SESSION_TOKEN,
      env.CAPLAB_HEADER_X_API_KEY,
    ]);
    expect("short".length).toBeLessThan(MIN_MASKED_SECRET_CHARS);
    const text = `signed with ${env.AWS_SECRET_ACCESS_KEY} and ${env.AWS_SESSION_TOKEN}; header ${env.CAPLAB_HEADER_X_API_KEY} in ${env.AWS_REGION}`;
    expect(maskSecrets(text, secrets)).toBe(
      `signed with *** and ***; header *** in ${env.AWS_REGION}`,
    );
  });
});

describe("redactStrings", () => {
  it("redacts every string of plain data, keys included, and keeps dates and numbers", () => {
    const at = new Date(0);
    expect(
      redactStrings({
        n: 1,
        at,
        list: ["https://u:p@h/", { "x?token=abc": "y?sig=def" }],
      }),
    ).toEqual({ n: 1, at, list: ["https://***@h/", { "x?token=***": "y?sig=***" }] });
  });
});

describe("redactHeaderLines (k6 --http-debug)", () => {
  const credentialName = fc.constantFrom(
    "Authorization",
    "authorization",
    "Proxy-Authorization",
    "Cookie",
    "Set-Cookie",
    "X-Api-Key",
    "x-api-key",
    "X-Auth-Token",
    "X-Amz-Security-Token",
    "Api_Key",
    "X-Session-Id",
    "Private-Token",
    "X-Signature",
    "X-Hub-Signature-256",
    "X-Amz-Credential",
    "X-Functions-Key",
    "Ocp-Apim-Subscription-Key",
    "X-JWT-Assertion",
  );
  const scheme = fc.constantFrom("", "Bearer ", "Basic ", "Token ");
  /** A header value: a secret with the characters header values hold, spaces and quotes too. */
  const value = fc
    .stringMatching(/^[A-Za-z0-9%._~+/=;:, "'()-]{0,30}$/)
    .map((tail) => `Zq9SECRET${tail}`);
  const plainHeader = fc.constantFrom("Host: h.example.com", "Accept-Encoding: gzip", "key: value");
  /** How k6's log holds the dump: lines as they are (a terminal), or a quoted string. */
  const form = fc.constantFrom("raw", "crlf", "logfmt", "json");

  it("never shows a credential header's value, in any form k6 logs it, and keeps the other lines", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(plainHeader, fc.tuple(credentialName, scheme, value)), {
          minLength: 1,
          maxLength: 6,
        }),
        form,
        (headers, how) => {
          const lines = [
            "GET /x HTTP/1.1",
            ...headers.map((h) => (typeof h === "string" ? h : `${h[0]}: ${h[1]}${h[2]}`)),
            "",
            "",
          ];
          const dump = lines.join(how === "crlf" ? "\r\n" : "\n");
          const text =
            how === "logfmt"
              ? `time="t" level=info msg=${JSON.stringify(`Request:\n${dump}\n`)} source=http-debug`
              : how === "json"
                ? JSON.stringify({
                    level: "info",
                    msg: `Request:\n${dump}\n`,
                    x: "source=http-debug",
                  })
                : `INFO[0001] Request:\n${dump}\n  source=http-debug`;
          const out = redactSecrets(text);
          expect(out).not.toContain("Zq9SECRET");
          for (const h of headers)
            if (typeof h === "string") expect(out).toContain(h);
            else expect(out).toContain(`${h[0]}: ${h[1].trim() === "" ? "" : h[1]}***`);
          expect(out).toContain("GET /x HTTP/1.1");
          expect(out).toContain("source=http-debug");
          // Redacting again changes nothing.
          expect(redactSecrets(out)).toBe(out);
        },
      ),
    );
  });

  it.each([
    ["Authorization: Bearer abc.def", "Authorization: Bearer ***"],
    ["  cookie:a=1; b=2", "  cookie:***"],
    ["Set-Cookie: sid=x; Path=/; HttpOnly\nVary: Cookie", "Set-Cookie: ***\nVary: Cookie"],
    ["Author: Jane Doe", "Author: Jane Doe"],
    ["Keep-Alive: timeout=5", "Keep-Alive: timeout=5"],
    ["caplab: Authorization: not a header line", "caplab: Authorization: not a header line"],
    ["X-Api-Key:", "X-Api-Key:"],
    ["X-Signature: t=1,v1=ab12", "X-Signature: ***"],
    ["Key: k1\nMonkey: m", "Key: k1\nMonkey: m"],
    [
      "Idempotency-Key: 7f\nSec-WebSocket-Key: dGhl",
      "Idempotency-Key: 7f\nSec-WebSocket-Key: dGhl",
    ],
    ["X-Access-Key: AK1\nX-App-Key: a", "X-Access-Key: ***\nX-App-Key: ***"],
    ["Accept-Encoding: gzip\nX-Request-Id: r1", "Accept-Encoding: gzip\nX-Request-Id: r1"],
  ])("%j → %j", (text, expected) => {
    expect(redactHeaderLines(text)).toBe(expected);
  });

  it("knows the credential headers by name", () => {
    for (const name of ["Authorization", "COOKIE", "set-cookie", "X-CSRF-Token", "x-auth-user"])
      expect(isCredentialHeader(name), name).toBe(true);
    for (const name of ["Host", "Content-Type", "Author", "Keep-Alive", "Accept", "X-Request-Id"])
      expect(isCredentialHeader(name), name).toBe(false);
  });
});
