import { type ValidationRow, validationRows } from "../measure/validation.ts";
import { table } from "./output.ts";

function fmt(v: number, unit: ValidationRow["unit"]): string {
  const r = Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1);
  return `${r} ${unit}`;
}

/** `syscall-lab validate`: the model next to the published figures (docs/validation.md). */
export function runValidate(json: boolean): string {
  const rows = validationRows();
  if (json) return JSON.stringify(rows, null, 2);
  const out = [
    "model vs published per-syscall figures (docs/sources.md#validation-targets); ratio = model / published",
    table(
      ["#", "figure", "published", "model", "ratio"],
      rows.map((r, i) => [
        String(i + 1),
        r.figure,
        r.published,
        fmt(r.model, r.unit),
        r.publishedValue === 0 ? "—" : (r.model / r.publishedValue).toFixed(2),
      ]),
    ),
    ...rows.flatMap((r, i) => [
      `${i + 1}. published: ${r.source}`,
      `   model: ${r.how}${r.note !== "" ? `\n   note: ${r.note}` : ""}`,
    ]),
  ];
  return out.join("\n");
}
