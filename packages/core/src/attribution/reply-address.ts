import type { Attribution, RosterEntry } from "./attribution.ts";

/**
 * SPEC §3: the 回执 goes to the From address. Reply-To is anyone's to write, so following it
 * would let a stranger make the bureau's mailbox write to a victim; it is used only when it
 * is a roster address of the very school the mail is attributed to.
 */
export function replyAddressFor(
  mail: { fromAddress: string | null; replyTo: string | null },
  attribution: Pick<Attribution, "schoolId">,
  roster: readonly RosterEntry[],
): string | null {
  const replyTo = mail.replyTo?.trim().toLowerCase() ?? "";
  const school = roster.find((s) => s.id === attribution.schoolId);
  if (replyTo && school?.senders.some((a) => a.toLowerCase() === replyTo)) return replyTo;
  return mail.fromAddress?.trim().toLowerCase() || null;
}
