import { generateKeyPairSync } from "node:crypto";
import { Readable } from "node:stream";
import { dkimSign } from "mailauth";
import { describe, expect, it } from "vitest";
import { verifySender, type DNSResolver } from "./sender-verification.ts";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const p = publicKey.export({ type: "spki", format: "der" }).toString("base64");

/** DNS as a test world: the school's DKIM key and a DMARC policy of reject, nothing else. */
const resolver: DNSResolver = async (name, rrtype) => {
  const txt: Record<string, string> = {
    "s1._domainkey.rczj.example.cn": `v=DKIM1; k=rsa; p=${p}`,
    "s1._domainkey.evil.example": `v=DKIM1; k=rsa; p=${p}`,
    "_dmarc.rczj.example.cn": "v=DMARC1; p=reject",
  };
  if (rrtype === "TXT" && txt[name]) return [[txt[name]!]];
  throw Object.assign(new Error(`no ${rrtype} for ${name}`), { code: "ENOTFOUND" });
};

function mail(from: string): string {
  return [`From: <${from}>`, "To: <112812581@qq.com>", "Subject: test", "Message-ID: <a@b>", "Date: Mon, 16 May 2022 10:00:00 +0800", "", "正文", ""].join(
    "\r\n",
  );
}

async function signed(raw: string, domain: string): Promise<string> {
  // mailauth's runtime reads signatureData; its type declarations only list the flat form.
  const options = { signatureData: [{ signingDomain: domain, selector: "s1", privateKey: pem }] } as unknown as Parameters<typeof dkimSign>[1];
  const { signatures } = await dkimSign(raw, options);
  return signatures + raw;
}

describe("our own check of a mail's sender", () => {
  it("passes a mail signed by the From domain's key, offline through the injected resolver", async () => {
    const check = await verifySender(Readable.from([await signed(mail("rczj@rczj.example.cn"), "rczj.example.cn")]), resolver);
    expect(check.dkim).toEqual([{ domain: "rczj.example.cn", result: "pass", aligned: true }]);
    expect(check.dmarc).toBe("pass");
  });

  it("fails a signed mail whose body was changed after signing", async () => {
    const raw = (await signed(mail("rczj@rczj.example.cn"), "rczj.example.cn")).replace("正文", "改过的正文");
    const check = await verifySender(Readable.from([raw]), resolver);
    // mailauth reports a body hash mismatch as neutral (RFC 6376 §3.7 leaves it to the verifier).
    expect(check.dkim[0]?.result).not.toBe("pass");
    expect(check.dmarc).toBe("fail");
  });

  it("fails DMARC for a school's From address signed by a stranger's domain", async () => {
    const check = await verifySender(Readable.from([await signed(mail("rczj@rczj.example.cn"), "evil.example")]), resolver);
    expect(check.dkim).toEqual([{ domain: "evil.example", result: "pass", aligned: false }]);
    expect(check.dmarc).toBe("fail");
  });
});
