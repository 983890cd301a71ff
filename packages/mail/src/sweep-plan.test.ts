import { describe, expect, it } from "vitest";
import { resyncKey, type MailReceipt } from "@baosong/db";
import { batchPlans, planMail, uidSet, type BatchLimits, type ListedMail } from "./sweep-plan.ts";

const limits: BatchLimits = { mails: 3, fetchBytes: 1000, largeMailBytes: 500 };

function listed(uid: number, size: number | null, messageId: string | null = `<m${uid}@school.example.cn>`): ListedMail {
  return { uid, size, internalDate: new Date("2022-05-16T01:30:00Z"), messageId };
}

function receipt(uid: number, uidValidity: number, m: ListedMail): MailReceipt {
  return {
    id: uid,
    mailboxId: 1,
    uidValidity,
    uid,
    rawSha256: "a".repeat(64),
    messageIdHeader: m.messageId,
    sizeBytes: m.size ?? 0,
    internalDate: m.internalDate,
    securedAt: new Date(),
    markedAt: null,
  };
}

describe("planning a listed window", () => {
  it("enqueues a recorded mail again, recognises a resynced one, fetches small mail and downloads large or unsized mail", () => {
    const recordedMail = listed(1, 100);
    const resyncedMail = listed(2, 200);
    const recorded = new Map([[1, receipt(1, 7, recordedMail)]]);
    const earlier = receipt(40, 6, resyncedMail);
    const resynced = new Map([[resyncKey({ messageIdHeader: resyncedMail.messageId!, sizeBytes: 200 }), earlier]]);

    expect(planMail(recordedMail, recorded, resynced, limits).kind).toBe("recorded");
    expect(planMail(resyncedMail, recorded, resynced, limits)).toEqual({ kind: "resynced", mail: resyncedMail, match: earlier });
    expect(planMail(listed(3, 500), recorded, resynced, limits).kind).toBe("fetch");
    expect(planMail(listed(4, 501), recorded, resynced, limits).kind).toBe("download");
    expect(planMail(listed(5, null), recorded, resynced, limits).kind).toBe("download");
  });

  it("does not take a mail of another size with the same Message-ID for a resynced one", () => {
    const m = listed(2, 200);
    const resynced = new Map([[resyncKey({ messageIdHeader: m.messageId!, sizeBytes: 201 }), receipt(40, 6, m)]]);
    expect(planMail(m, new Map(), resynced, limits).kind).toBe("fetch");
  });
});

describe("batching", () => {
  const plan = (uid: number, size: number | null, kind: "fetch" | "download" = "fetch") => ({ kind, mail: listed(uid, size) }) as const;

  it("keeps UID order and closes a batch at its number of mails", () => {
    const batches = batchPlans(
      [1, 2, 3, 4, 5, 6, 7].map((uid) => plan(uid, 10)),
      limits,
    );
    expect(batches.map((b) => b.map((p) => p.mail.uid))).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it("closes a batch before its FETCH would bring more than its bytes, and counts no bytes for a download", () => {
    const batches = batchPlans([plan(1, 400), plan(2, 400), plan(3, 400), plan(4, 90_000, "download"), plan(5, 500)], limits);
    expect(batches.map((b) => b.map((p) => p.mail.uid))).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
  });

  it("gives an empty window no batch", () => {
    expect(batchPlans([], limits)).toEqual([]);
  });
});

describe("UID sets", () => {
  it("writes runs of UIDs as ranges", () => {
    expect(uidSet([9, 3, 4, 5, 7, 8, 12])).toBe("3:5,7:9,12");
    expect(uidSet([42])).toBe("42");
  });
});
