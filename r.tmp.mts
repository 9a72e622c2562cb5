import { readFileSync, writeFileSync } from "node:fs";
import { Resvg } from "@resvg/resvg-js";
writeFileSync("/tmp/f.png", new Resvg(readFileSync("/tmp/f.svg", "utf8"), { fitTo: { mode: "width", value: 1400 } }).render().asPng());
