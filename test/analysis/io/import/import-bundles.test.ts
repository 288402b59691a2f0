/**
 * The names `caplab import` gives the bundles of ALB logs that hold several load balancers
 * (`OUT-NAME`, NAME from the lines' `elb` field): crafted lines name nothing, names differing
 * only in case get folders of their own, and a folder beside --out that another command wrote
 * is refused before anything is written. Real files in a temp folder, the real command.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readBundleManifest } from "../../../../analysis/io/files/bundle.js";
import { OUTPUT_MARKER } from "../../../../analysis/io/files/output.js";
import { besideOut } from "../../../../analysis/io/import/import-bundles.js";
import { isAlbResourceId } from "../../../../analysis/access-log.js";
import { main } from "../../../../cli/main.js";
import { captureIo } from "../../../helpers/io.js";

/** An ALB log line (the newest layout, from a real log) of load balancer `elb` at second `s`. */
function albLine(elb: string, s: number): string {
  const t = `2025-04-08T00:42:${String(s).padStart(2, "0")}.719308Z`;
  return `https ${t} ${elb} 52.91.163.121:45808 172.31.87.99:8080 0.001 0.002 0.000 200 200 154 2118 "GET https://lb.example.com:443/ HTTP/1.1" "Wget/1.21.2" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:590183769797:targetgroup/tg/21175dd5b85e97d7 "Root=1-67f470ea-440e2a275a742e0034a8b8c7" "lb.example.com" "-" 0 ${t} "forward" "-" "-" "172.31.87.99:8080" "200" "-" "-" TID_c058d0218cb28142a303b654f4f7c035`;
}

/** `caplab import --format alb` of `lines` into `out`, as a user runs it (main: exit codes). */
async function importAlb(dir: string, lines: readonly string[], out: string, force = false) {
  await writeFile(join(dir, "logs.log"), `${lines.join("\n")}\n`);
  const io = captureIo();
  const args = ["import", "--format", "alb", "--out", out, join(dir, "logs.log")];
  const code = await main(force ? [...args, "--force"] : args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe("load balancer names from ALB lines", () => {
  it("takes only app/NAME/ID with NAME by AWS's rule (1-32 letters, digits, hyphens)", () => {
    for (const ok of [
      "app/my-loadbalancer/50dc6c495c0c9188",
      "app/a/1",
      `app/${"a".repeat(32)}/50dc6c495c0c9188`,
      "app/internal-service-alb/abcd1234efgh5678",
    ])
      expect(isAlbResourceId(ok), ok).toBe(true);
    for (const bad of [
      "app/../../x/50dc",
      "app/..%2f/50dc",
      "app/../50dc",
      "app/a/b/50dc",
      "app/a\\b/50dc",
      "app/a\0b/50dc",
      `app/${"a".repeat(33)}/50dc`,
      "app/-web/50dc",
      "app/web-/50dc",
      "app//50dc",
      "app/web/",
      "app/web/../..",
      "net/web/50dc",
      "web",
    ])
      expect(isAlbResourceId(bad), JSON.stringify(bad)).toBe(false);
  });

  it("skips a line whose load balancer is crafted as a path, names it, and writes nothing beside --out", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-lb-names-"));
    const work = join(dir, "work");
    await mkdir(work);
    const crafted = [
      "app/../../x/50dc6c495c0c9188",
      "app/..%2f/50dc6c495c0c9188",
      "app/a\\b/50dc6c495c0c9188",
      "app/a\u0000b/50dc6c495c0c9188",
      `app/${"n".repeat(1000)}/50dc6c495c0c9188`,
      "app/-web/50dc6c495c0c9188",
    ];
    const lines = [
      albLine("app/main/50dc6c495c0c9188", 1),
      ...crafted.map((elb, i) => albLine(elb, i + 2)),
    ];
    const out = join(work, "bundle");
    const r = await importAlb(work, lines, out);
    expect(r.code).toBe(0);
    // The first five are named with their line (2 to 6), each as not a load balancer.
    for (let line = 2; line <= 6; line++)
      expect(r.stderr).toMatch(
        new RegExp(`logs\\.log line ${line}\\b[^\\n]*is not a load balancer`),
      );
    expect((await readBundleManifest(out)).notes.join(" ")).toMatch(/6 bad lines skipped/);
    // Only --out (and the log) in the work folder; nothing above it.
    expect((await readdir(work)).sort()).toEqual(["bundle", "logs.log"]);
    expect((await readdir(dir)).sort()).toEqual(["work"]);
  });

  it("gives names that differ only in case folders of their own (one on macOS and Windows)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-lb-case-"));
    const out = join(dir, "bundle");
    const lines = [
      albLine("app/main/50dc6c495c0c9188", 1),
      albLine("app/main/50dc6c495c0c9188", 2),
      albLine("app/main/50dc6c495c0c9188", 3),
      albLine("app/Web/1111aaaa2222bbbb", 4),
      albLine("app/Web/1111aaaa2222bbbb", 5),
      albLine("app/web/3333cccc4444dddd", 6),
    ];
    const r = await importAlb(dir, lines, out);
    expect(r.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([
      "bundle",
      "bundle-Web",
      "bundle-web-3333cccc",
      "logs.log",
    ]);
    expect((await readBundleManifest(`${out}-web-3333cccc`)).source.detail).toMatch(
      /app\/web\/3333cccc4444dddd$/,
    );
    // Before, bundle-web was one folder with bundle-Web on a case-insensitive file system:
    // the second load balancer's bundle replaced the first's.
    expect(besideOut(out, "app/web/3333cccc4444dddd", [out, `${out}-Web`])).toBe(
      `${out}-web-3333cccc`,
    );
  });

  it("adds -2, -3 when the name with the ID's start is taken as well", () => {
    expect(
      besideOut("o", "app/web/3333cccc9999", ["o", "o-WEB", "o-web-3333cccc", "o-Web-3333CCCC-2"]),
    ).toBe("o-web-3333cccc-3");
  });

  it("refuses a folder beside --out that another command wrote, before writing anything", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-lb-clash-"));
    const out = join(dir, "bundle");
    // A plan's output that happens to be called like the second load balancer's bundle.
    const plan = `${out}-web`;
    await mkdir(plan);
    await writeFile(join(plan, "recommendation.json"), "{}\n");
    const marker = {
      format: "caplab-output/1",
      command: "plan",
      caplabVersion: "0.1.0",
      createdAt: "2026-11-01T00:00:00.000Z",
      files: ["recommendation.json"],
    };
    await writeFile(join(plan, OUTPUT_MARKER), JSON.stringify(marker));
    const lines = [
      albLine("app/main/50dc6c495c0c9188", 1),
      albLine("app/main/50dc6c495c0c9188", 2),
      albLine("app/web/1111aaaa2222bbbb", 3),
    ];
    for (const force of [false, true]) {
      const r = await importAlb(dir, lines, out, force);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /bundle-web, where the bundle of load balancer app\/web\/1111aaaa2222bbbb goes \(beside --out .*bundle\), holds the output of caplab plan, not of an import; move it away/,
      );
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      // Neither folder touched: --out never written, the plan's files as they were.
      expect(existsSync(out)).toBe(false);
      expect((await readdir(plan)).sort()).toEqual([OUTPUT_MARKER, "recommendation.json"]);
      expect(await readFile(join(plan, "recommendation.json"), "utf8")).toBe("{}\n");
    }
  });

  it("replaces an earlier import's bundle beside --out", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-lb-again-"));
    const out = join(dir, "bundle");
    const lines = [
      albLine("app/main/50dc6c495c0c9188", 1),
      albLine("app/main/50dc6c495c0c9188", 2),
      albLine("app/web/1111aaaa2222bbbb", 3),
    ];
    expect((await importAlb(dir, lines, out)).code).toBe(0);
    expect((await importAlb(dir, lines, out)).code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(["bundle", "bundle-web", "logs.log"]);
  });
});
