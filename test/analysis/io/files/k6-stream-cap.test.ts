/** feedK6Chunks caps a line carried across chunks (issue #11 row 8). */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  feedK6Chunks,
  K6LineTooLongError,
  type K6ChunkSink,
} from "../../../../analysis/io/files/k6-stream.js";

/** A sink that takes whole lines only, like K6Ingest, and counts them. */
function lineSink(): K6ChunkSink & { lines: number } {
  const sink = {
    lines: 0,
    addChunk(bytes: Uint8Array, start = 0, end = bytes.length): number {
      let from = start;
      for (let i = start; i < end; i++)
        if (bytes[i] === 10) {
          sink.lines++;
          from = i + 1;
        }
      return from;
    },
    addLastLine() {
      sink.lines++;
    },
  };
  return sink;
}

describe("feedK6Chunks", () => {
  it("puts lines across chunks together", async () => {
    const sink = lineSink();
    const chunks = ['{"a":', '1}\n{"b"', ':2}\n{"c":3}'].map((s) => Buffer.from(s));
    await feedK6Chunks(Readable.from(chunks), sink);
    expect(sink.lines).toBe(3);
  });

  it("stops with K6LineTooLongError when a line without end passes the cap", async () => {
    const sink = lineSink();
    const chunk = Buffer.alloc(64 << 10, 0x78);
    const endless = Readable.from(
      (function* () {
        yield Buffer.from("{}\n");
        for (let i = 0; i < 1000; i++) yield chunk; // 64 MiB without a newline
      })(),
    );
    await expect(feedK6Chunks(endless, sink, 1 << 20)).rejects.toBeInstanceOf(K6LineTooLongError);
    expect(sink.lines).toBe(1);
  });
});
