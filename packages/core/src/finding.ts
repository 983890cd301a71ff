/**
 * A problem found in a mail or a file (SPEC §4): a `code` for programs, a Chinese
 * `message` for the school clerk that says what is wrong and how to fix it.
 */
export interface Finding {
  severity: "error" | "warning";
  code: string;
  field: string | null;
  message: string;
}

export function finding(severity: Finding["severity"], code: string, message: string, field: string | null = null): Finding {
  return { severity, code, field, message };
}
