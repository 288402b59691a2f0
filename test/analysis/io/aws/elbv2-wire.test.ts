/**
 * ELBv2 over the wire (the AWS Query protocol: a form-encoded request, an XML answer), the
 * real SDK against test/analysis/io/aws/fake-aws-server.ts on 127.0.0.1: a throttled
 * DescribeTargetGroups is asked again, a malformed answer is one sentence and exit 1.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCollectCommand } from "../../../../cli/collect-command.js";
import { collect } from "../../../../analysis/io/aws/collect.js";
import { readBundleManifest } from "../../../../analysis/io/files/bundle.js";
import { CPU_POLICY, LB, TARGET_GROUP_PLATFORM } from "./fixtures.js";
import { startFakeAws, wireClients, type FakeAws, type FakeAwsOptions } from "./fake-aws-server.js";
import { captureIo, cliContext } from "../../../helpers/io.js";

const FROM = Date.UTC(2026, 10, 20);
const NOW = FROM + 86_400_000;
const CREDENTIALS = { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" };

let servers: FakeAws[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function server(options: FakeAwsOptions): Promise<FakeAws> {
  const s = await startFakeAws({ pageSize: 2000, policies: [CPU_POLICY], ...options });
  servers.push(s);
  return s;
}

describe("ELBv2 over the wire (127.0.0.1)", () => {
  it("asks a throttled DescribeTargetGroups again, then finds the load balancer and the settings", async () => {
    const fake = await server({ elb: { throttle: 2 } });
    const out = join(await mkdtemp(join(tmpdir(), "caplab-elb-wire-")), "bundle");
    const result = await collect(
      {
        cluster: "prod",
        service: "api",
        fromMs: FROM,
        toMs: FROM + 3_600_000,
        periodSeconds: 60,
        out,
        where: "local",
      },
      {
        ...wireClients(fake),
        caplabVersion: "test",
        now: () => NOW,
        retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 4 },
      },
    );
    expect(fake.stats.requests.DescribeTargetGroups).toBe(3);
    expect(fake.stats.throttled).toBe(2);
    expect(result.retries).toBe(2);
    expect(result.manifest.notes).toContain("2 calls were retried (2 throttled).");
    const lbs = new Set(
      result.manifest.series.flatMap((s) =>
        s.dimensions.filter((d) => d.Name === "LoadBalancer").map((d) => d.Value),
      ),
    );
    expect([...lbs]).toEqual([LB]);
    expect((await readBundleManifest(out)).current?.platform).toEqual(TARGET_GROUP_PLATFORM);
  });

  it("a malformed DescribeTargetGroups answer is asked again by the SDK, then one sentence naming the call (exit 1)", async () => {
    const fake = await server({ elb: { malformed: true } });
    const dir = await mkdtemp(join(tmpdir(), "caplab-elb-wire-"));
    const io = captureIo();
    const code = await runCollectCommand(
      {
        cluster: "prod",
        service: "api",
        from: "2026-11-20T00:00:00Z",
        to: "2026-11-20T01:00:00Z",
        region: "us-east-1",
        endpointUrl: fake.url,
        out: join(dir, "b"),
        quiet: true,
      },
      cliContext(io),
      {
        clientConfig: { credentials: CREDENTIALS, maxAttempts: 2 },
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 4 },
        now: () => NOW,
      },
    );
    expect(code).toBe(1);
    expect(fake.stats.requests.DescribeTargetGroups).toBe(2);
    expect(io.stderr()).toMatch(
      /^caplab: ElasticLoadBalancingV2 DescribeTargetGroups answered with a malformed response: .* \(2 attempts\) from --endpoint-url http:\/\/127\.0\.0\.1:\d+; check that --endpoint-url speaks the AWS API, or run the same command again later: the chunks already fetched are kept in .*\.\n$/,
    );
    expect(io.stderr()).not.toMatch(/\n\s+at |test-secret|AKIDTEST/);
  });
});
