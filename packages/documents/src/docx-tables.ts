import type { Sheet } from "@baosong/core";
import { MAX_TABLE_CELLS, tablesToSheets, type GridCell, type GridRow, type TableBlock } from "./table-grid.ts";

interface OpenCell {
  paragraphs: string[];
  span: number;
  vMerge?: "restart" | "continue";
  hMergeContinue: boolean;
}

interface OpenTable {
  rows: GridRow[];
  row: { cells: GridCell[]; col: number } | null;
  cell: OpenCell | null;
  before: string[];
  continues: boolean;
  /** Tables nested in this one's cells. */
  inner: TableBlock[];
}

const entities: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const decode = (text: string) =>
  text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/giu, (whole, e: string) => {
    if (e[0] !== "#") return entities[e] ?? whole;
    const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
const val = (attrs: string) => /w:val="([^"]*)"/u.exec(attrs)?.[1];
/** Between two parts of one table Word users leave blank lines, a page break, or a 续表 line. */
const continuationLine = /^[（(]?续表?[)）]?[:：]?$|^续[:：]?/u;

/**
 * The tables of a .docx body (word/document.xml) as sheets: w:gridSpan and w:hMerge merge
 * across, w:vMerge down, w:gridBefore shifts a row; a cell's paragraphs are joined with line
 * breaks; a table nested in a cell is a sheet of its own (listed first) and its text is kept in the cell too.
 */
export function readDocxTables(documentXml: string): Sheet[] {
  const body = documentXml.replace(/<mc:Fallback\b[\s\S]*?<\/mc:Fallback>/gu, "");
  const blocks: TableBlock[] = [];
  const nested: TableBlock[] = [];
  const tables: OpenTable[] = [];
  const paragraphs: string[][] = [];
  let lines: string[] = [];
  let sinceTable: string[] | null = null;
  let inText = false;
  let cells = 0;
  for (const m of body.matchAll(/<(\/?)([\w:]+)([^>]*?)(\/?)>|([^<]+)/gu)) {
    const [, closing, tag, attrs = "", selfClosing, text] = m;
    const t = tables.at(-1);
    if (text !== undefined) {
      if (inText) paragraphs.at(-1)?.push(decode(text));
      continue;
    }
    if (closing) {
      if (tag === "w:t") inText = false;
      else if (tag === "w:p") {
        const done = (paragraphs.pop() ?? []).join("");
        if (t?.cell) t.cell.paragraphs.push(done);
        else if (!t) {
          lines.push(done);
          if (sinceTable && done.trim() !== "" && !continuationLine.test(done.trim())) sinceTable = null;
        }
      } else if (tag === "w:tc" && t?.row && t.cell) {
        closeCell(t.row, t.cell);
        t.cell = null;
        // Cells without text cost nothing against maxChars: a document of empty cells is no form.
        if (++cells > MAX_TABLE_CELLS * 2) return [];
      } else if (tag === "w:tr" && t?.row) {
        t.rows.push({ cells: t.row.cells });
        t.row = null;
      } else if (tag === "w:tbl" && t) {
        tables.pop();
        const outer = tables.at(-1);
        if (outer?.cell) {
          const block: TableBlock = { rows: t.rows, before: [], after: [], continues: false };
          nested.push(block);
          outer.inner.push(block);
          outer.cell.paragraphs.push(
            ...t.rows.map((r) =>
              r.cells
                .map((c) => c.text)
                .filter(Boolean)
                .join(" "),
            ),
          );
        } else {
          lines = [];
          blocks.push({ rows: t.rows, before: t.before, after: lines, continues: t.continues });
          // A one-cell frame around a form: the form inside has the frame's title lines and notes.
          if (t.rows.length === 1 && t.rows[0]!.cells.length === 1) for (const b of t.inner) Object.assign(b, { before: t.before, after: lines });
          sinceTable = lines;
        }
      }
      continue;
    }
    switch (tag) {
      case "w:p":
        if (!selfClosing) paragraphs.push([]);
        else if (t?.cell) t.cell.paragraphs.push("");
        break;
      case "w:t":
        if (!selfClosing) inText = true;
        break;
      case "w:tab":
        paragraphs.at(-1)?.push("\t");
        break;
      case "w:br":
      case "w:cr":
        paragraphs.at(-1)?.push("\n");
        break;
      case "w:tbl":
        if (!selfClosing) {
          const top = tables.length === 0;
          const continues = top && sinceTable !== null && blocks.length > 0;
          tables.push({ rows: [], row: null, cell: null, before: top ? lines : [], continues, inner: [] });
        }
        break;
      case "w:tr":
        if (t && !selfClosing) t.row = { cells: [], col: 0 };
        break;
      case "w:gridBefore":
        if (t?.row && !t.cell) t.row.col += Number(val(attrs) ?? 0) || 0;
        break;
      case "w:tc":
        if (t?.row) {
          t.cell = { paragraphs: [], span: 1, hMergeContinue: false };
          if (selfClosing) {
            closeCell(t.row, t.cell);
            t.cell = null;
          }
        }
        break;
      case "w:gridSpan":
        if (t?.cell) t.cell.span = Math.max(1, Number(val(attrs) ?? 1) || 1);
        break;
      case "w:vMerge":
        if (t?.cell) t.cell.vMerge = val(attrs) === "restart" ? "restart" : "continue";
        break;
      case "w:hMerge":
        if (t?.cell) t.cell.hMergeContinue = val(attrs) !== "restart";
        break;
    }
  }
  // Nested tables first: a form framed in a one-cell table is the inner one.
  return [...tablesToSheets(nested), ...tablesToSheets(blocks)];
}

function closeCell(row: { cells: GridCell[]; col: number }, cell: OpenCell): void {
  const text = cell.paragraphs.join("\n").replace(/\n+$/u, "").trim();
  const previous = row.cells.at(-1);
  // w:hMerge (Word 2003 and some converters): the cell continues the one on its left.
  if (cell.hMergeContinue && previous && previous.right === row.col) {
    previous.right += cell.span;
    if (text) previous.text = previous.text ? `${previous.text}\n${text}` : text;
  } else {
    row.cells.push({ text, left: row.col, right: row.col + cell.span, ...(cell.vMerge && { vMerge: cell.vMerge }) });
  }
  row.col += cell.span;
}
