/**
 * Credentials in URLs are refused on every path before anything is written or sent, and never
 * echoed: a loopback server records every request that reaches it, a fake k6 records whether
 * it was started, and the output folders must not exist afterwards.
 */
import { createServer, type Server } from "node:http";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { ECSClient } from "@aws-sdk/client-ecs";
import { S3Client } from "@aws-sdk/client-s3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { defaultRunDeps, runRunCommand, type RunDeps } from "../../cli/run-command.js";
import { UsageError } from "../../sim/vocab/errors.js";
import { parseHttpUrl, redactUserinfo } from "../../analysis/io/files/urls.js";
import { captureIo, cliContext } from "../helpers/io.js";

const PASSWORD = "s3cr3t-Pa55w0rd";

/** A server that answers 200 `{}` to anything and keeps what it got. */
let server: Server;
let seen: string[] = [];
let port = 0;
let dir = "";
let fakeK6 = "";
let k6Started = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-credentials-"));
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  k6Started = join(dir, "k6-was-started");
  fakeK6 = join(dir, "k6");
  await writeFile(
    fakeK6,
    `#!${process.execPath}\nrequire("node:fs").writeFileSync(${JSON.stringify(k6Started)}, process.argv.join(" "));\n`,
  );
  await chmod(fakeK6, 0o755);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const withCredentials = () => `http://user:${PASSWORD}@127.0.0.1:${port}`;

/** Real SDK clients pointed at the recording server (so a request that slipped out is seen). */
function deps(): RunDeps {
  const aws = {
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    maxAttempts: 1,
  };
  return {
    ...defaultRunDeps,
    env: { PATH: "", K6_BIN: fakeK6 },
    sleep: async () => {},
    ecs: () => new ECSClient(aws),
    s3: () => new S3Client({ ...aws, forcePathStyle: true }),
    collector: null,
  };
}

function expectNothingHappened(out: string): void {
  expect(seen).toEqual([]);
  expect(existsSync(k6Started)).toBe(false);
  expect(existsSync(out)).toBe(false);
}

describe("a --target with credentials in it", () => {
  const paths: [string, string, Partial<Parameters<typeof runRunCommand>[1]>][] = [
    ["a library scenario on this machine", "smoke", {}],
    ["a custom script on this machine", "SCRIPT", {}],
    [
      "--segments 2 --on ecs",
      "smoke",
      {
        segments: 2,
        on: "ecs",
        cluster: "load",
        taskDefinition: "k6:1",
        subnets: ["subnet-a"],
        results: "s3://results/k6",
      },
    ],
    ["--segments 2 --on k8s", "smoke", { segments: 2, on: "k8s" }],
  ];
  const targets = [
    ["a user name or password", withCredentials, () => "http://***@127.0.0.1"],
    // A token in the query: it would ride in CAPLAB_TARGET in every RunTask override (which
    // anyone allowed ecs:DescribeTasks reads) and in testrun.yaml.
    [
      "a token in its query",
      () => `http://127.0.0.1:${port}/?token=${PASSWORD}&x=1`,
      () => `http://127.0.0.1:${port}/?token=***&x=1 carries a credential in its query (token)`,
    ],
    [
      "a presigned signature in its query",
      () => `http://127.0.0.1:${port}/a?X-Amz-Signature=${PASSWORD}`,
      () => "(X-Amz-Signature)",
    ],
  ] as const;
  for (const [what, scenario, extra] of paths)
    for (const [carrying, target, shown] of targets)
      it(`with ${carrying} is refused on ${what}, before anything is written, started or sent`, async () => {
        seen = [];
        const script = join(dir, "script.js");
        await writeFile(script, "export default function () {}\n");
        const out = join(dir, `out-${what.replace(/\W+/g, "-")}`);
        const error = await runRunCommand(
          scenario === "SCRIPT" ? script : scenario,
          { target: target(), out, ...extra },
          cliContext(captureIo()),
          deps(),
        ).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(UsageError);
        expect((error as UsageError).code).toBe("credentials-in-url");
        expect((error as Error).message).not.toContain(PASSWORD);
        expect((error as Error).message).toContain(shown());
        expect((error as Error).message).toMatch(/CAPLAB_TOKEN/);
        expectNothingHappened(out);
      });

  it("a plan with a credential in an endpoint's query or headers is refused on every path", async () => {
    for (const [endpoint, said] of [
      [
        { name: "a", method: "GET", path: `/x?api_key=${PASSWORD}`, weight: 1 },
        /plan\.mix\.endpoints\[0\]\.path \/x\?api_key=\*\*\* carries a credential in its query \(api_key\)/,
      ],
      [
        { name: "a", method: "GET", path: "/x", weight: 1, headers: { Authorization: PASSWORD } },
        /plan\.mix\.endpoints\[0\]\.headers holds Authorization, a credential/,
      ],
    ] as const)
      for (const [, , extra] of paths.filter(([, s]) => s !== "SCRIPT")) {
        seen = [];
        const plan = join(dir, "plan-with-secret.json");
        await writeFile(
          plan,
          JSON.stringify({
            shape: { kind: "constant", rate: 1, durationSeconds: 10 },
            mix: { endpoints: [endpoint], thinkTimeSeconds: 0 },
            slo: { latencyP95Ms: 300, errorRatePercent: 1 },
          }),
        );
        const out = join(dir, "out-plan-secret");
        const error = await runRunCommand(
          "constant",
          { target: `http://127.0.0.1:${port}`, out, plan, ...extra },
          cliContext(captureIo()),
          deps(),
        ).then(
          () => null,
          (e: unknown) => e as Error,
        );
        expect(error).toBeInstanceOf(UsageError);
        expect(error?.message).toMatch(said);
        expect(error?.message).not.toContain(PASSWORD);
        expectNothingHappened(out);
      }
  });

  it("is one sentence on stderr with the password taken out, exit 2, also with a bad port", async () => {
    for (const target of [
      `https://user:${PASSWORD}@alb.example.com`,
      `https://user:${PASSWORD}@alb.example.com:99999`,
      `https:user:${PASSWORD}@alb.example.com`,
      `https://user:${PASSWORD}@@alb.example.com`,
    ]) {
      const io = captureIo();
      const out = join(dir, "out-main");
      expect(await main(["run", "smoke", "--target", target, "--out", out], io)).toBe(2);
      expect(io.stderr()).not.toContain(PASSWORD);
      expect(io.stderr().trim().split("\n")).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
  });

  it("a URL that does not parse is echoed without its userinfo, even with a stray # or / in the password", async () => {
    for (const target of [
      `https://u:${PASSWORD}@[bad`,
      `https://u:${PASSWORD}#x@alb.example.com`,
      `https://u:pa/${PASSWORD}@alb.example.com:99999`,
    ]) {
      const io = captureIo();
      expect(await main(["run", "smoke", "--target", target, "--out", dir], io)).toBe(2);
      expect(io.stderr()).not.toContain(PASSWORD);
    }
  });
});

describe("a --target that is not http(s)", () => {
  it("ftp://, file: and a bare host are refused in one sentence", async () => {
    for (const [target, said] of [
      [
        "ftp://files.example.com/x",
        /--target ftp:\/\/files\.example\.com\/x is a ftp URL; caplab speaks http and https only/,
      ],
      ["file:///etc/passwd", /is a file URL; caplab speaks http and https only/],
      ["alb.example.com", /is not a URL; write it like https:\/\//],
    ] as const) {
      const io = captureIo();
      const out = join(dir, "out-scheme");
      expect(await main(["run", "smoke", "--target", target, "--out", out], io)).toBe(2);
      expect(io.stderr()).toMatch(said);
      expect(io.stderr().trim().split("\n")).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe("other URL flags", () => {
  it("collect and import refuse an --endpoint-url with credentials, and send nothing", async () => {
    seen = [];
    for (const args of [
      ["collect", "--cluster", "c", "--service", "s", "--from", "now-1h", "--to", "now"],
      ["import", "s3://bucket/logs/", "--format", "alb"],
    ]) {
      const io = captureIo();
      const out = join(dir, `out-${args[0]}`);
      expect(await main([...args, "--endpoint-url", withCredentials(), "--out", out], io)).toBe(2);
      expect(io.stderr()).toMatch(
        /--endpoint-url http:\/\/\*\*\*@127\.0\.0\.1:\d+ carries a user name or password/,
      );
      expect(io.stderr()).toMatch(/never from a URL/);
      expect(io.stderr()).not.toContain(PASSWORD);
      expect(existsSync(out)).toBe(false);
    }
    expect(seen).toEqual([]);
  });

  it("import refuses s3://user:password@bucket and run refuses it as --results", async () => {
    seen = [];
    const io = captureIo();
    const out = join(dir, "out-s3");
    expect(
      await main(
        ["import", `s3://user:${PASSWORD}@bucket/logs/`, "--format", "alb", "--out", out],
        io,
      ),
    ).toBe(2);
    expect(io.stderr()).toMatch(/s3:\/\/\*\*\*@bucket\/logs\/ carries a user name or password/);
    expect(io.stderr()).not.toContain(PASSWORD);
    const error = await runRunCommand(
      "smoke",
      {
        target: "https://alb.example.com",
        out,
        segments: 2,
        on: "ecs",
        cluster: "load",
        taskDefinition: "k6:1",
        subnets: ["subnet-a"],
        results: `s3://user:${PASSWORD}@results/k6`,
      },
      cliContext(captureIo()),
      deps(),
    ).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).not.toContain(PASSWORD);
    expect(seen).toEqual([]);
    expect(existsSync(k6Started)).toBe(false);
  });
});

describe("redactUserinfo", () => {
  const secret = fc
    .string({
      unit: fc.constantFrom(..."abcXYZ019-._~!$&'()*+,;=%:@"),
      minLength: 1,
      maxLength: 24,
    })
    .map((s) => `Zq${s}`);
  const user = fc.string({ unit: fc.constantFrom(..."abcxyz019-._~"), maxLength: 12 });

  it("leaves no password of any URL in any text, and the URL parser agrees there was one", () => {
    fc.assert(
      fc.property(
        user,
        secret,
        fc.constantFrom("https", "http", "ftp", "s3", "HTTPS"),
        fc.constantFrom("", "/", "/path", "?q=1", "#f", ":8080/x"),
        fc.constantFrom("", "error: ", "connect ECONNREFUSED "),
        (u, p, scheme, rest, before) => {
          const url = `${scheme}://${u}:${p}@alb.example.com${rest}`;
          const text = `${before}${url} and more`;
          const redacted = redactUserinfo(text);
          expect(redacted).not.toContain(p);
          expect(redacted).toContain(`${scheme}://***@alb.example.com${rest}`);
          // Whatever the WHATWG parser calls the password is gone too.
          try {
            const parsed = new URL(url);
            if (parsed.password !== "") expect(redacted).not.toContain(parsed.password);
          } catch {
            // not a URL to the parser: the text is still redacted
          }
        },
      ),
    );
  });

  it("parseHttpUrl refuses every such target without echoing it", () => {
    fc.assert(
      fc.property(user, secret, (u, p) => {
        const target = `https://${u}:${p}@alb.example.com/`;
        try {
          parseHttpUrl("--target", target, "target");
          expect.unreachable(`accepted ${target}`);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          expect((error as Error).message).not.toContain(p);
        }
      }),
    );
  });

  it("takes userinfo out of a printed stack too", () => {
    const error = new Error(`connect ECONNREFUSED while fetching https://ci:${PASSWORD}@host/x`);
    expect(redactUserinfo(inspect(error))).not.toContain(PASSWORD);
    expect(redactUserinfo("https://alb.example.com/a@b")).toBe("https://alb.example.com/a@b");
  });
});
