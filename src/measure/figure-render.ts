// A vega-lite figure rendered without a browser: vega-lite → vega View (renderer "none") → SVG; resvg turns the
// SVG into a PNG at twice its size on white, and PDFKit with svg-to-pdfkit into a vector PDF of the same size.
// Text is DejaVu Sans in all three (embedded in the PDF when the font file is installed).
import { existsSync } from "node:fs";
import { Resvg } from "@resvg/resvg-js";
import PDFDocument from "pdfkit";
import SVGtoPDF from "svg-to-pdfkit";
import * as vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import * as vl from "vega-lite";

export const FONT = "DejaVu Sans";
const FONT_FILES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/TTF/DejaVuSans.ttf",
  "/usr/share/fonts/dejavu/DejaVuSans.ttf",
];
const BOLD_FILES = FONT_FILES.map((f) => f.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"));

export const FIGURE_FORMATS = ["svg", "png", "pdf"] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, {
    fitTo: { mode: "zoom", value: 2 },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: FONT },
  })
    .render()
    .asPng();
}

/** One page the size of the SVG (1 SVG unit = 1 pt), vector text and lines. Deterministic: no creation date. */
export function svgToPdf(svg: string, title: string): Promise<Buffer> {
  const w = Number(/<svg[^>]*\bwidth="([\d.]+)"/.exec(svg)?.[1] ?? 600);
  const h = Number(/<svg[^>]*\bheight="([\d.]+)"/.exec(svg)?.[1] ?? 400);
  const doc = new PDFDocument({
    size: [w, h],
    margin: 0,
    autoFirstPage: true,
    info: { Title: title, Producer: "syscall-lab", Creator: "syscall-lab report", CreationDate: new Date(0) },
  });
  const regular = FONT_FILES.find((f) => existsSync(f));
  const bold = BOLD_FILES.find((f) => existsSync(f));
  if (regular !== undefined) doc.registerFont("text", regular);
  if (bold !== undefined) doc.registerFont("text-bold", bold);
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  SVGtoPDF(doc, svg, 0, 0, {
    width: w,
    height: h,
    assumePt: true,
    fontCallback: (_family: string, isBold: boolean) =>
      regular === undefined
        ? isBold
          ? "Helvetica-Bold"
          : "Helvetica"
        : isBold && bold !== undefined
          ? "text-bold"
          : "text",
  });
  doc.end();
  return done;
}

/** The figure in each asked format, by format. */
export async function renderFigure(
  spec: TopLevelSpec,
  formats: readonly FigureFormat[] = FIGURE_FORMATS,
  title = "",
): Promise<Partial<Record<FigureFormat, string | Buffer>>> {
  const svg = await renderSvg(spec);
  const out: Partial<Record<FigureFormat, string | Buffer>> = {};
  if (formats.includes("svg")) out.svg = svg;
  if (formats.includes("png")) out.png = svgToPng(svg);
  if (formats.includes("pdf")) out.pdf = await svgToPdf(svg, title);
  return out;
}
