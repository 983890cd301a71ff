import type { DocText, Sheet } from "@baosong/core";
import type { Properties } from "./doc.ts";
import { FieldNesting } from "./doc-fields.ts";
import { runAt } from "./doc-property-runs.ts";
import { MAX_TABLE_CELLS, tablesToSheets, type GridCell, type GridRow, type TableBlock } from "./table-grid.ts";

// [MS-DOC] paragraph sprms that place a paragraph in a table, and the table sprms of a row end.
const SPRM_P_F_IN_TABLE = 0x2416;
const SPRM_P_F_TTP = 0x2417;
const SPRM_P_F_INNER_TABLE_CELL = 0x244b;
const SPRM_P_F_INNER_TTP = 0x244c;
const SPRM_P_ITAP = 0x6649;
const SPRM_P_HUGE_PAPX = 0x6646;
const SPRM_P_CHG_TABS = 0xc615;
const SPRM_T_DEF_TABLE = 0xd608;
const SPRM_T_VERT_MERGE = 0xd62b;
/** Cell edges are in twips; Word aligns a column's cells to the same edge, LibreOffice within a few. */
const EDGE_TOLERANCE_TWIPS = 30;

type Papx = Properties["papx"][number];

/** Every sprm of a grpprl with its operand; stops at one it cannot size (as doc.ts's sprmByte does). */
function sprms(grpprl: Buffer): Map<number, Buffer> {
  const found = new Map<number, Buffer>();
  for (let p = 0; p + 2 <= grpprl.length; ) {
    const sprm = grpprl.readUInt16LE(p);
    const spra = sprm >> 13;
    let size = [1, 1, 2, 4, 2, 2, 0, 3][spra]!;
    if (spra === 6) {
      if (p + 4 > grpprl.length) break;
      if (sprm === SPRM_T_DEF_TABLE) size = grpprl.readUInt16LE(p + 2) + 1;
      else if (grpprl[p + 2] === 255 && sprm === SPRM_P_CHG_TABS) break;
      else size = grpprl[p + 2]! + 1;
    }
    if (p + 2 + size > grpprl.length) break;
    found.set(sprm, grpprl.subarray(p + 2, p + 2 + size));
    p += 2 + size;
  }
  return found;
}

/** A paragraph's sprms; a PAPX too large for its FKP page sits in the Data stream (sprmPHugePapx). */
function paragraphSprms(papx: Papx | null, data: Buffer | null): Map<number, Buffer> {
  const own = sprms(papx?.grpprl ?? Buffer.alloc(0));
  const huge = own.get(SPRM_P_HUGE_PAPX);
  if (huge && huge.length >= 4 && data) {
    const at = huge.readUInt32LE(0);
    if (at + 2 <= data.length) {
      const cb = data.readUInt16LE(at);
      for (const [k, v] of sprms(data.subarray(at + 2, Math.min(data.length, at + 2 + cb)))) own.set(k, v);
    }
  }
  return own;
}

interface RowShape {
  /** Cell edges in twips, one more than the cells. */
  edges: number[];
  /** Per cell: merged into the cell on its left (TC80 horzMerge) and its vertical merge. */
  mergedLeft: boolean[];
  vMerge: ("restart" | "continue" | undefined)[];
}

/** The row's shape from its end mark: sprmTDefTable (itcMac, rgdxaCenter, TC80s) and sprmTVertMerge. */
function rowShape(props: Map<number, Buffer>): RowShape | null {
  const def = props.get(SPRM_T_DEF_TABLE);
  if (!def || def.length < 3) return null;
  const body = def.subarray(2);
  const cells = body[0]!;
  if (body.length < 1 + (cells + 1) * 2) return null;
  const edges = Array.from({ length: cells + 1 }, (_, i) => body.readInt16LE(1 + i * 2));
  const tcs = body.subarray(1 + (cells + 1) * 2);
  const mergedLeft: boolean[] = [];
  const vMerge: RowShape["vMerge"] = [];
  for (let i = 0; i < cells; i++) {
    const grf = i * 20 + 2 <= tcs.length ? tcs.readUInt16LE(i * 20) : 0;
    mergedLeft.push((grf & 0x3) >= 2);
    vMerge.push(vertical((grf >> 5) & 0x3));
  }
  const vm = props.get(SPRM_T_VERT_MERGE);
  if (vm && vm.length >= 3 && vm[1]! < cells) vMerge[vm[1]!] = vertical(vm[2]!);
  return { edges, mergedLeft, vMerge };
}

/** TCGRF.vertMerge: 1 continues the cell above, 3 starts a merged set. */
function vertical(v: number): "restart" | "continue" | undefined {
  return v === 1 ? "continue" : v === 3 ? "restart" : undefined;
}

interface OpenTable {
  rows: GridRow[];
  cells: string[];
  paragraphs: string[];
  inner: TableBlock[];
  before: string[];
  continues: boolean;
}

/**
 * The tables of a .doc's main text as sheets. A cell ends at 0x07 (or, nested, at a paragraph
 * mark with sprmPFInnerTableCell), a row at its end mark (sprmPFTtp / sprmPFInnerTtp) whose
 * properties give the cells' edges in twips and their merges: a cell spanning two columns of
 * the rows below is a horizontal merge, TC80/sprmTVertMerge flags say which merge down.
 */
export function readDocTables(text: string, props: Properties, data: Buffer | null): Sheet[] {
  const blocks: TableBlock[] = [];
  const nested: TableBlock[] = [];
  const open: OpenTable[] = [];
  let lines: string[] = [];
  let sinceTable: string[] | null = null;
  let parts: string[] = [];
  const fields = new FieldNesting();
  let cells = 0;
  const closeTo = (depth: number) => {
    while (open.length > depth) {
      const t = open.pop()!;
      const outer = open.at(-1);
      if (outer) {
        const block: TableBlock = { rows: t.rows, before: [], after: [], continues: false };
        nested.push(block);
        outer.inner.push(block);
        outer.paragraphs.push(
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
        if (t.rows.length === 1 && t.rows[0]!.cells.length === 1) for (const b of t.inner) Object.assign(b, { before: t.before, after: lines });
        sinceTable = lines;
      }
    }
  };
  for (let cp = 0; cp < text.length; cp++) {
    const ch = text.charCodeAt(cp);
    if (fields.mark(ch)) {
      // a field's begin, separator or end: not text
    } else if (ch === 0x0d || ch === 0x07) {
      const paragraph = parts.join("");
      parts = [];
      const p = paragraphSprms(runAt(props.papx, props.fcOf(cp)), data);
      const inTable = p.get(SPRM_P_F_IN_TABLE)?.[0] === 1;
      const itap = p.get(SPRM_P_ITAP);
      const depth = itap && itap.length >= 4 ? Math.max(0, Math.min(itap.readInt32LE(0), 8)) : inTable ? 1 : 0;
      if (depth === 0 && ch === 0x0d) {
        closeTo(0);
        lines.push(paragraph);
        if (sinceTable && paragraph.trim() !== "" && !/^[（(]?续表?/u.test(paragraph.trim())) sinceTable = null;
        continue;
      }
      const level = Math.max(depth, 1);
      closeTo(level);
      while (open.length < level) {
        const top = open.length === 0;
        open.push({ rows: [], cells: [], paragraphs: [], inner: [], before: top ? lines : [], continues: top && sinceTable !== null && blocks.length > 0 });
      }
      const t = open.at(-1)!;
      const rowEnd = level === 1 ? ch === 0x07 && p.get(SPRM_P_F_TTP)?.[0] === 1 : p.get(SPRM_P_F_INNER_TTP)?.[0] === 1;
      const cellEnd = level === 1 ? ch === 0x07 : p.get(SPRM_P_F_INNER_TABLE_CELL)?.[0] === 1;
      if (rowEnd) {
        t.rows.push(placeRow(t.cells, rowShape(p), t.rows.length));
        t.cells = [];
        t.paragraphs = [];
      } else if (cellEnd) {
        if (++cells > MAX_TABLE_CELLS * 2) return [];
        t.cells.push([...t.paragraphs, paragraph].join("\n").replace(/\n+$/u, "").trim());
        t.paragraphs = [];
      } else t.paragraphs.push(paragraph);
    } else if (!fields.hidden && ch >= 0x20) {
      parts.push(text[cp]!);
    } else if (!fields.hidden && (ch === 0x09 || ch === 0x0b)) {
      parts.push(ch === 0x09 ? "\t" : "\n");
    }
  }
  closeTo(0);
  return [...tablesToSheets(nested, { tolerance: EDGE_TOLERANCE_TWIPS }), ...tablesToSheets(blocks, { tolerance: EDGE_TOLERANCE_TWIPS })];
}

/** A row's cells at their edges; without a readable sprmTDefTable, one column per cell. */
function placeRow(texts: readonly string[], shape: RowShape | null, _row: number): GridRow {
  const cells: GridCell[] = [];
  texts.forEach((text, i) => {
    const left = shape?.edges[i] ?? i * 1000;
    const right = shape?.edges[i + 1] ?? (i + 1) * 1000;
    const previous = cells.at(-1);
    if (shape?.mergedLeft[i] && previous) {
      previous.right = right;
      if (text) previous.text = previous.text ? `${previous.text}\n${text}` : text;
      return;
    }
    const vMerge = shape?.vMerge[i];
    cells.push({ text, left, right, ...(vMerge && { vMerge }) });
  });
  return { cells };
}

/** The document with its tables, when it has any. */
export function withDocTables(doc: DocText, text: string, props: Properties, data: Buffer | null): DocText {
  const tables = readDocTables(text, props, data);
  return tables.length > 0 ? { ...doc, tables } : doc;
}
