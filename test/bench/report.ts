/** The benchmark's table and JSON report. */
import { writeFileSync } from "node:fs";

export interface Row {
  figure: string;
  measured: string;
  target: string;
  /** true = meets the target, false = short of it, undefined = informational. */
  pass?: boolean;
}

export function mark(pass: boolean | undefined): string {
  return pass === undefined ? "info" : pass ? "pass" : "SHORT";
}

export function formatTable(rows: Row[]): string {
  const head: Row = { figure: "Figure", measured: "Measured", target: "Target" };
  const cells = [head, ...rows].map((r, i) => [r.figure, r.measured, r.target, i === 0 ? "Mark" : mark(r.pass)]);
  const widths = [0, 1, 2, 3].map((c) => Math.max(...cells.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => v.padEnd(widths[c]!)).join(" | ").trimEnd();
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("-|-"), ...cells.slice(1).map(line)].join("\n");
}

export function writeReport(file: string, report: Record<string, unknown>): void {
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
