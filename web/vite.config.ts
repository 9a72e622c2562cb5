// Vite build of the browser stepper: `npm run build:web` → dist-web/, a static site that works under any base
// path (relative asset URLs), so a plain file server or GitHub Pages can host it.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/**
 * iced-x86 (the assembler's encoder and the disassembler) ships as a Node CommonJS wasm-bindgen build that reads
 * its .wasm with fs. For the browser, the same glue code becomes an ES module that fetches the .wasm as an asset
 * (relative to the module, so any base path works) and instantiates it asynchronously (top-level await).
 */
function icedX86Browser(): Plugin {
  const ID = "\0iced-x86-browser";
  return {
    name: "iced-x86-browser",
    enforce: "pre",
    resolveId(id) {
      return id === "iced-x86" ? ID : null;
    },
    load(id) {
      if (id !== ID) return null;
      const js = require.resolve("iced-x86");
      let src = readFileSync(js, "utf8");
      const tail = src.indexOf("const path = require('path')");
      if (tail < 0) throw new Error("iced-x86: unexpected glue code (no wasm loader found)");
      src = src.slice(0, tail).replace("const { TextDecoder, TextEncoder } = require(`util`);", "");
      const names = [...src.matchAll(/^module\.exports\.(\w+) = /gm)].map((m) => m[1]!);
      const exported = [...new Set(names)].filter((n) => !n.startsWith("__wb"));
      const wasmPath = join(dirname(js), "iced_x86_bg.wasm");
      return [
        `import wasmUrl from ${JSON.stringify(`${wasmPath}?url`)};`,
        // the glue in its own scope: its classes would clash with the named exports below
        "const glue = (() => {",
        "const module = { exports: {} };",
        src,
        "return { exports: module.exports, imports, set: (w) => { wasm = w; } };",
        "})();",
        "const { instance } = await WebAssembly.instantiate(await (await fetch(wasmUrl)).arrayBuffer(), glue.imports);",
        "glue.set(instance.exports);",
        `export const { ${exported.join(", ")} } = glue.exports;`,
        "export default glue.exports;",
      ].join("\n");
    },
  };
}

export default defineConfig({
  root: here,
  base: "./",
  plugins: [icedX86Browser()],
  build: {
    outDir: join(here, "..", "dist-web"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 4000,
    assetsInlineLimit: 0,
  },
});
