import { readFileSync } from "node:fs";
import { readFileContent, defaultFileReadLimits, officeTypes } from "../src/index.ts";
const c = await readFileContent(readFileSync(process.argv[2]!), process.argv[2]!.endsWith("pdf") ? officeTypes.pdf : officeTypes.ole, defaultFileReadLimits);
const sheets = c.content.sheets ?? c.content.doc?.tables ?? [];
if (c.content.unreadable) console.log(c.content.unreadable);
for (const s of sheets) { console.log(s.name, JSON.stringify(s.merges)); for (const r of s.cells) console.log(JSON.stringify(r)); }
