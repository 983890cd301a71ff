/**
 * Word's fields in the text stream: 0x13 begins one, 0x14 separates its code from its shown
 * result, 0x15 ends it; fields nest. The code (`HYPERLINK "…"`, `PAGE`) is not text a reader
 * sees, so text counts only while no open field is in its code.
 */
export class FieldNesting {
  /** Per open field: true while in its code. */
  private readonly open: boolean[] = [];
  private inCode = 0;

  /** Takes a field mark and returns true; any other character returns false. */
  mark(ch: number): boolean {
    if (ch === 0x13) {
      this.open.push(true);
      this.inCode++;
    } else if (ch === 0x14) {
      if (this.open.at(-1) === true) this.inCode--;
      if (this.open.length > 0) this.open[this.open.length - 1] = false;
    } else if (ch === 0x15) {
      if (this.open.pop() === true) this.inCode--;
    } else return false;
    return true;
  }

  /** Whether the current character lies inside a field's code. */
  get hidden(): boolean {
    return this.inCode > 0;
  }
}
