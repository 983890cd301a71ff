import { formVariants } from "../../scripts/fixtures/lib/form-variants.ts";
import { layoutToDocx, layoutToXlsx } from "../../scripts/fixtures/lib/form-layouts.ts";
import { readFileContent, defaultFileReadLimits, officeTypes } from "../../packages/documents/src/index.ts";
const [name, fmt, opt] = process.argv.slice(2);
const vs = formVariants(40);
const i = vs.findIndex((v) => v.name === name);
const v = vs[i]!;
const docxOptions = (i: number) => [{}, { splitAfter: 3, repeatHeader: 1 }, { framed: true }, { hMerge: true }, { splitAfter: 2 }][i % 5]!;
const bytes = fmt === "xlsx" ? await layoutToXlsx(v.layout) : layoutToDocx(v.layout, docxOptions(i));
const c = await readFileContent(bytes, fmt === "xlsx" ? officeTypes.xlsx : officeTypes.docx, defaultFileReadLimits);
const sheets = c.content.sheets ?? c.content.doc?.tables ?? [];
console.log(JSON.stringify(v.layout, null, 0).slice(0, 3000));
for (const s of sheets) { console.log(s.name, JSON.stringify(s.merges)); for (const r of s.cells) console.log(JSON.stringify(r)); }
