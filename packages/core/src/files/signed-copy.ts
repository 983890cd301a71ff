import type { DocumentKind } from "../campaign.ts";
import type { FileUnderstanding } from "./file-understanding.ts";
import { finding } from "../finding.ts";
import { kindLabels } from "../kinds.ts";

const formKinds: readonly DocumentKind[] = ["info_form", "stats_form", "featured_list"];

type Understood = FileUnderstanding & { position: number; filename: string };

/**
 * SPEC §2: a stamped PDF of a form that also arrives as Excel is kept as the signed copy of
 * that form, not counted as a second form or an unknown file. A PDF is taken for a form's
 * copy when it is a scan (no text layer) or its name says it is that form; the form is the
 * one read from a sheet or a Word table in the same mail, of the kind the PDF's name gives, or the only
 * kind of form the mail holds. A form PDF without its sheet is kept, with a note asking for
 * the Excel version, because nobody can roll up numbers from a picture.
 */
export function markSignedCopies<T extends Understood>(files: readonly T[]): T[] {
  const sheetForms = files.filter((f) => formKinds.includes(f.kind) && f.classifiedBy.startsWith("content:") && !f.pdf);
  const sheetKinds = [...new Set(sheetForms.map((f) => f.kind))];
  return files.map((f) => {
    if (!f.pdf) return f;
    const namedForm = formKinds.includes(f.kind);
    const scan = f.pdf.textChars === 0;
    if (!namedForm && !(scan && f.kind === "other")) return f;
    const kind = namedForm ? f.kind : sheetKinds.length === 1 ? sheetKinds[0]! : null;
    const form = kind === null ? undefined : sheetForms.filter((s) => s.kind === kind).at(-1);
    if (form) {
      // The copy's own reading (a text PDF's table) is not a second version of the form.
      const copy = {
        ...f,
        kind: form.kind,
        classifiedBy: `signed_copy:${form.filename}`,
        parseStatus: "kept" as const,
        signedCopyOf: form.position,
        findings: [],
      };
      delete copy.infoForm;
      delete copy.statsRows;
      delete copy.featured;
      return copy;
    }
    // A PDF with a text layer whose table was read as the form stands for the form itself.
    if (!namedForm || f.classifiedBy.startsWith("content:")) return f;
    const label = kindLabels[f.kind];
    return {
      ...f,
      parseStatus: "kept",
      findings: [
        ...f.findings,
        finding(
          "warning",
          "form_pdf_only",
          `“${f.filename}”是${label}的 PDF 版本，系统无法从中读取数据。请同时发送${label}的 Excel 版本（.xlsx 或 .xls），盖章扫描件可一并保留；如已另行发送，请忽略本提示。`,
          "attachment",
        ),
      ],
    };
  });
}
