/**
 * targetOfEndpoints: an imported k6 run's target from the URLs k6 names its requests by
 * (k6's `name` system tag defaults to the request URL).
 */
import { describe, expect, it } from "vitest";
import { targetOfEndpoints, type K6SecondSeries } from "../../analysis/k6-ingest.js";

/** An endpoint's series with `requests` requests in its one second (only requests is read). */
function served(requests: number): K6SecondSeries {
  return { requests: Float64Array.of(requests) } as unknown as K6SecondSeries;
}

describe("targetOfEndpoints", () => {
  it("keeps only the origin: never a user, password, path or query", () => {
    expect(
      targetOfEndpoints({
        "https://alice:s3cret@api.example.com:8443/orders?id=1": served(3),
        "https://api.example.com:8443/health": served(1),
      }),
    ).toBe("https://api.example.com:8443");
  });

  it("names the origin that served the most requests and counts the others", () => {
    expect(
      targetOfEndpoints({
        "http://a.example/x": served(2),
        "http://b.example/y": served(5),
        "http://c.example/z": served(1),
      }),
    ).toBe("http://b.example and 2 more");
  });

  it("is null when the script named its requests (no absolute http(s) URL)", () => {
    expect(
      targetOfEndpoints({ home: served(10), "": served(1), "ws://x.example": served(4) }),
    ).toBe(null);
    expect(targetOfEndpoints({ "http://[bad": served(1) })).toBe(null);
  });
});
