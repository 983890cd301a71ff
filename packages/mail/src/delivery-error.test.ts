import { describe, expect, it } from "vitest";
import { BlobNotFoundError } from "@baosong/blobs";
import { classifyDeliveryError } from "./delivery-error.ts";
import { OutboxMailError } from "./smtp-sender.ts";

/** Shaped as nodemailer's smtp-connection builds them (_formatError): code, response, responseCode, command. */
function smtpError(code: string, response: string | null, command = "DATA", message = "Message failed"): Error {
  const err = new Error(response ? `${message}: ${response}` : message) as Error & Record<string, unknown>;
  err.code = code;
  if (response) {
    err.response = response;
    err.responseCode = Number(/^\d+/.exec(response)?.[0]);
  }
  err.command = command;
  return err;
}

describe("classifyDeliveryError", () => {
  it.each([
    ["421 4.7.0 Service not available, closing channel", "EMESSAGE"],
    ["450 4.2.1 Mailbox busy", "EENVELOPE"],
    ["451 4.3.0 Requested action aborted: local error in processing", "EMESSAGE"],
    ["452 4.3.1 Insufficient system storage", "EENVELOPE"],
  ])("retries the temporary reply %s", (response, code) => {
    const v = classifyDeliveryError(smtpError(code, response));
    expect(v).toMatchObject({ permanent: false, throttled: false, code });
    expect(v.message).toContain(response);
  });

  it.each([
    ["550 Mailbox unavailable or access denied", "EENVELOPE", "RCPT TO"],
    ["501 mail from address must be same as authorization user", "EENVELOPE", "MAIL FROM"],
    ["554 DT:SPM 163 smtp14,EsCowAA 1652412345", "EMESSAGE", "DATA"],
    ["552 Message size exceeds fixed limit", "EMESSAGE", "DATA"],
  ])("gives up on the permanent reply %s", (response, code, command) => {
    const v = classifyDeliveryError(smtpError(code, response, command));
    expect(v).toMatchObject({ permanent: true, throttled: false, code });
    expect(v.message).toContain(response);
    expect(v.message).toContain(command);
  });

  it.each([
    "554 发送频次过快，请稍后再试",
    "550 Mail sent too frequently, 发送频次过快",
    "550 Ip frequency limited",
    "550 Connection frequency limited",
    "554 HL:IFC 该IP短期内发送了大量信件",
    "550 RP:QRC 发件人当天内累计邮件数量超过限制",
  ])("treats the provider's throttle %s as temporary, whatever its code", (response) => {
    const v = classifyDeliveryError(smtpError("EMESSAGE", response));
    expect(v).toMatchObject({ permanent: false, throttled: true });
  });

  it("gives up on a refused login (a wrong or revoked 授权码), but not on a 454 temporary one", () => {
    const wrong = classifyDeliveryError(smtpError("EAUTH", "535 Login fail. Authorization code is expired", "AUTH PLAIN", "Invalid login"));
    expect(wrong).toMatchObject({ permanent: true, code: "EAUTH" });
    const temporary = classifyDeliveryError(smtpError("EAUTH", "454 4.7.0 Temporary authentication failure", "AUTH PLAIN", "Invalid login"));
    expect(temporary).toMatchObject({ permanent: false, code: "EAUTH" });
  });

  it.each(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ECONNREFUSED"])("retries the connection error %s", (code) => {
    const err = Object.assign(new Error("Connection closed unexpectedly"), { code });
    expect(classifyDeliveryError(err)).toMatchObject({ permanent: false, code });
  });

  it("gives up on mails that can never be built: a missing blob, a broken attachments list", () => {
    expect(classifyDeliveryError(new BlobNotFoundError(`sha256:${"0".repeat(64)}`))).toMatchObject({ permanent: true, code: "BLOB_NOT_FOUND" });
    expect(classifyDeliveryError(new OutboxMailError("attachments is not a list"))).toMatchObject({ permanent: true, code: "OUTBOX_INVALID" });
  });

  it("gives up when nodemailer refuses the envelope before any server reply", () => {
    const err = Object.assign(new Error("No recipients defined"), { code: "EENVELOPE" });
    expect(classifyDeliveryError(err)).toMatchObject({ permanent: true });
  });

  it("retries what it does not recognise, and never throws on odd input", () => {
    expect(classifyDeliveryError(new Error("something odd"))).toMatchObject({ permanent: false, code: "EUNKNOWN" });
    expect(classifyDeliveryError("a string")).toMatchObject({ permanent: false, message: "a string" });
    expect(classifyDeliveryError(null)).toMatchObject({ permanent: false });
  });

  it("keeps the message to one line", () => {
    const v = classifyDeliveryError(smtpError("EMESSAGE", "550-5.7.1 first line\n550 5.7.1 second line"));
    expect(v.message).not.toMatch(/\n/);
    expect(v.permanent).toBe(true);
  });
});
