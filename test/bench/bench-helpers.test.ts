import { describe, expect, it } from "vitest";
import { withFigures } from "../../scripts/bench/e2e.ts";
import { areaOfPath, summarizeProfiles, threadName, type CpuProfile } from "../../scripts/bench/profile-summary.ts";
import { inReplyTo } from "../../scripts/bench/smtp-sink.ts";
import { percentile, summarize } from "../../scripts/bench/stats.ts";

/** The pure parts of `pnpm bench e2e`: what it prints is only as true as these. */
describe("bench helpers", () => {
  it("takes the nearest-rank percentile and the min/median of repeats", () => {
    const latencies = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.4, 0.6, 0.8, 1.0];
    expect(percentile(latencies, 50)).toBe(0.5);
    expect(percentile(latencies, 95)).toBe(1.0);
    expect(percentile([3], 95)).toBe(3);
    expect(summarize([12, 10, 11])).toEqual({ n: 3, min: 10, median: 11, max: 12 });
    expect(summarize([4, 2]).median).toBe(2);
    expect(() => percentile([], 50)).toThrow(/no values/);
  });

  it("names the area of a source path: ours by package, npm packages by name", () => {
    expect(areaOfPath("/repo/packages/blobs/src/local-blob-store.ts")).toBe("packages/blobs");
    expect(areaOfPath("/repo/services/worker/src/ingest.ts")).toBe("services/worker");
    expect(areaOfPath("file:///repo/node_modules/.pnpm/exceljs@4.4.0/node_modules/exceljs/lib/xlsx.js")).toBe("exceljs");
    expect(areaOfPath("/repo/node_modules/.pnpm/@zone-eu+mailsplit@5/node_modules/@zone-eu/mailsplit/lib/x.js")).toBe("@zone-eu/mailsplit");
    // Bundled into dist/ with its own source map, drizzle-orm points at `node_modules/src/…`.
    expect(areaOfPath("/repo/node_modules/.pnpm/drizzle-orm@0.45.4_pg@8.23.1/node_modules/src/entity.ts")).toBe("drizzle-orm");
  });

  it("sums self time by area through the source map, charges native code to its caller, and leaves out start-up", () => {
    const frame = (functionName: string, url = "", lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0 });
    const profile: CpuProfile = {
      startTime: 1_000,
      nodes: [
        { id: 1, callFrame: frame("(root)"), children: [2, 3, 4, 5, 6, 7] },
        { id: 2, callFrame: frame("(idle)") },
        { id: 3, callFrame: frame("(garbage collector)") },
        { id: 4, callFrame: frame("hashPart", "file:///repo/dist/chunk-ABC.js", 10), children: [8] },
        { id: 5, callFrame: frame("ingest", "file:///repo/dist/chunk-ABC.js", 20) },
        { id: 6, callFrame: frame("parse", "file:///repo/node_modules/.pnpm/mailparser@3/node_modules/mailparser/lib/mail-parser.js") },
        { id: 7, callFrame: frame("readFile", "node:fs") },
        { id: 8, callFrame: frame("writev") },
      ],
      // Sample times: 1100, 1200, … (each sample is charged the gap to the next one, 100 µs here).
      samples: [7, 4, 4, 5, 6, 3, 2, 2, 4, 8],
      timeDeltas: [100, 100, 100, 100, 100, 100, 100, 100, 100, 100],
    };
    const lookup = (url: string, line: number) =>
      url.endsWith("chunk-ABC.js") ? (line === 10 ? "/repo/packages/blobs/src/blob-store.ts" : "/repo/services/worker/src/ingest.ts") : null;
    // The first sample (1100 µs, node:fs) is start-up: cut.
    const s = summarizeProfiles([profile], lookup, 1_150);
    const us = Object.fromEntries(s.areas.map((a) => [a.area, Math.round(a.ms * 1000)]));
    // The native writev under hashPart is charged to packages/blobs, and counted as its node/native part.
    expect(us).toEqual({ "packages/blobs": 400, "services/worker": 100, mailparser: 100, GC: 100, "(idle)": 200 });
    expect(Math.round(s.areas[0]!.nodeMs * 1000)).toBe(100);
    expect(s.totalMs).toBeCloseTo(0.9);
    expect(s.busyMs).toBeCloseTo(0.7);
    expect(s.areas[0]).toMatchObject({ area: "packages/blobs" });
    expect(s.areas[0]!.busyPct).toBeCloseTo(400 / 7);
    expect(s.functions[0]!.name).toContain("hashPart");
    expect(s.functions.find((f) => f.name.startsWith("writev"))).toMatchObject({ area: "(native/builtins)" });
    expect(threadName("CPU.20261201.010841.18075.0.001.cpuprofile")).toBe("pid 18075 main");
    expect(threadName("CPU.20261201.010844.18075.1.002.cpuprofile")).toBe("pid 18075 thread 1");
  });

  it("reads the In-Reply-To of a 回执 from its header block, folded or not", () => {
    const raw = Buffer.from("From: a@b.cn\r\nIn-Reply-To:\r\n <bench-x-1@school1.example.cn>\r\nSubject: x\r\n\r\nIn-Reply-To: <body@not.header>\r\n");
    expect(inReplyTo(raw)).toBe("bench-x-1@school1.example.cn");
    expect(inReplyTo(Buffer.from("Subject: x\r\n\r\nbody"))).toBeNull();
  });

  it("rewrites only the README's figures block", () => {
    const readme = "# X\n<!-- pnpm bench e2e --readme: start -->\nold table\n<!-- pnpm bench e2e --readme: end -->\n## Next\n";
    expect(withFigures(readme, "| new |")).toBe("# X\n<!-- pnpm bench e2e --readme: start -->\n| new |\n<!-- pnpm bench e2e --readme: end -->\n## Next\n");
    expect(withFigures("# no markers", "| new |")).toBeNull();
  });
});
