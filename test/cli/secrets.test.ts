/**
 * Credentials that ride in request URLs never leave caplab: a k6 run whose requests carry a
 * password, a token, an API key and a presigned S3 URL's signature (in the `url` and `name`
 * tags, and in a threshold on a sub-metric by URL, as a script may declare) is imported,
 * reported, gated and listed from the history, all real files in a temporary folder; no
 * file caplab wrote and nothing it printed holds any of them. The environment's AWS
 * credentials are masked wherever a message would echo them.
 */
import { chmod, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { captureIo, cliContext } from "../helpers/io.js";

/** Each secret once, so a leak names which one. */
const SECRETS = {
  password: "pw-Zq9SECRET-1",
  token: "tok-Zq9SECRET-2",
  apiKey: "key-Zq9SECRET-3",
  signature: "sig-Zq9SECRET-4",
  credential: "AKIAZq9SECRET5",
};
const URLS = [
  `https://user:${SECRETS.password}@api.example.com/x?token=${SECRETS.token}&page=1`,
  `https://api.example.com/y?api_key=${SECRETS.apiKey}`,
  `https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${SECRETS.credential}%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=${SECRETS.signature}`,
];
const ENV_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYZq9SECRETKEY";

let dir = "";
let k6Json = "";

function k6Output(): string {
  const lines: unknown[] = [
    {
      type: "Metric",
      metric: "http_req_duration",
      data: { type: "trend", contains: "time", thresholds: ["p(95)<1000"], submetrics: null },
    },
    {
      type: "Metric",
      metric: `http_req_duration{name:${URLS[0]}}`,
      data: { type: "trend", contains: "time", thresholds: ["p(95)<1"], submetrics: null },
    },
    {
      type: "Metric",
      metric: `http_req_failed{url:${URLS[2]}}`,
      data: { type: "rate", contains: "default", thresholds: ["rate<0.5"], submetrics: null },
    },
  ];
  for (let i = 0; i < 300; i++) {
    const url = URLS[i % URLS.length]!;
    const time = new Date(Date.UTC(2026, 0, 1) + i * 200).toISOString();
    const tags = { url, name: url, method: "GET", status: i % 9 === 0 ? "503" : "200" };
    lines.push(
      { type: "Point", metric: "http_req_duration", data: { time, value: 40 + (i % 25), tags } },
      { type: "Point", metric: "http_reqs", data: { time, value: 1, tags } },
      {
        type: "Point",
        metric: "http_req_failed",
        data: { time, value: i % 9 === 0 ? 1 : 0, tags },
      },
    );
  }
  return `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`;
}

/** Every file under `root`, recursively, with its content. */
async function filesUnder(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out.set(path, await readFile(path, "latin1"));
    }
  return out;
}

function leaks(text: string): string[] {
  return [...Object.values(SECRETS), ENV_SECRET].filter((s) => text.includes(s));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-secrets-"));
  k6Json = join(dir, "k6.json");
  await writeFile(k6Json, k6Output());
});

describe("credentials in k6's request URLs", () => {
  it("appear in no file caplab writes and nothing it prints: import, report, gate, history", async () => {
    const io = captureIo();
    const env = {
      ...process.env,
      CAPLAB_HISTORY: join(dir, "history.duckdb"),
      AWS_SECRET_ACCESS_KEY: ENV_SECRET,
    };
    const ctx = cliContext(io, { env, cwd: dir });
    const run = join(dir, "run");
    expect(await main(["import", k6Json, "--format", "k6", "--out", run], ctx)).toBe(0);
    expect(await main(["report", run], ctx)).toBe(0);
    expect(await main(["gate", run], ctx)).toBe(1); // p(95)<1 on the first URL fails
    expect(await main(["history"], ctx)).toBe(0);
    expect(await main(["history", "--json"], ctx)).toBe(0);

    // The thresholds are there, with the URLs' credentials taken out.
    expect(io.text()).toContain(
      "http_req_duration{name:https://***@api.example.com/x?token=***&page=1}",
    );
    expect(io.text()).toContain("X-Amz-Signature=***");
    expect(leaks(io.text())).toEqual([]);

    const files = await filesUnder(run);
    for (const name of [
      "report.html",
      "report.md",
      "report.json",
      "gate.json",
      "gate.md",
      "gate-junit.xml",
      "thresholds.json",
      "manifest.json",
    ])
      expect([...files.keys()].map((p) => p.slice(run.length + 1))).toContain(name);
    for (const [path, content] of files) {
      // k6's own output, kept as k6 wrote it: the user's data, not caplab's words.
      if (/k6\.json(\.gz)?$/.test(path)) continue;
      expect({ path, leaks: leaks(content) }).toEqual({ path, leaks: [] });
    }
    expect(files.get(join(run, "report.md"))).toContain("X-Amz-Signature=\\*\\*\\*");
  });

  it("a message that echoes a path holding a credential shows neither it nor the environment's secret", async () => {
    const io = captureIo();
    const ctx = cliContext(io, {
      env: { ...process.env, AWS_SECRET_ACCESS_KEY: ENV_SECRET },
      cwd: dir,
    });
    const missing = `${URLS[2]}&leaked=${ENV_SECRET}`;
    expect(await main(["import", missing, "--format", "alb", "--out", join(dir, "x")], ctx)).toBe(
      2,
    );
    expect(io.stderr()).toContain("X-Amz-Signature=***");
    expect(io.stderr()).toContain("leaked=***");
    expect(leaks(io.text())).toEqual([]);
  });
});

describe("what another program says", () => {
  it("goes into a run's manifest without the credentials of URLs in it (k6's version line)", async () => {
    const k6 = join(dir, "k6");
    // A k6 that names a URL with a password and a token in its version line, and writes
    // the summary export and an empty JSON output a run needs.
    await writeFile(
      k6,
      `#!${process.execPath}
const fs = require("node:fs");
const a = process.argv.slice(2);
if (a[0] === "version") { console.log("k6 v1.0.0 (${URLS[0]})"); process.exit(0); }
const s = a.indexOf("--summary-export");
if (s >= 0) fs.writeFileSync(a[s + 1], JSON.stringify({ metrics: {} }));
for (const x of a) if (x.startsWith("json=")) fs.writeFileSync(x.slice(5), require("node:zlib").gzipSync(""));
`,
    );
    await chmod(k6, 0o755);
    const io = captureIo();
    const out = join(dir, "k6-run");
    const ctx = cliContext(io, {
      env: { ...process.env, K6_BIN: k6, CAPLAB_HISTORY: join(dir, "history-run.duckdb") },
      cwd: dir,
    });
    expect(
      await main(["run", "smoke", "--target", "https://alb.example.com", "--out", out], ctx),
    ).toBe(0);
    const manifest = await readFile(join(out, "manifest.json"), "utf8");
    expect(JSON.parse(manifest).k6Version).toContain("https://***@api.example.com/x?token=***");
    expect(leaks(manifest)).toEqual([]);
    expect(leaks(io.text())).toEqual([]);
  });
});
