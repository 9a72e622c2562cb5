import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseElf } from "../../src/workload/elf.ts";
import {
  AT_EXECFN,
  AT_NAMES,
  AT_PLATFORM,
  AT_RANDOM,
  buildInitialStack,
  type InitialStackInput,
} from "../../src/workload/initial-stack.ts";

const FIX = new URL("../fixtures/", import.meta.url);
const TOP = 0x7ffffffff000n;
const RANDOM = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

interface NativeAux {
  key: string;
  slot: number;
  val?: bigint;
  ptr?: number;
}
interface NativeStack {
  argv: Array<{ slot: number; str: number; s: string }>;
  argvNull: number;
  envp: Array<{ slot: number; str: number; s: string }>;
  envpNull: number;
  auxv: NativeAux[];
  top: number;
  platform: string;
  execfn: string;
}

/** Parses test/fixtures/expected/auxv*.stdout (every number an offset from the native initial RSP). */
function native(name: string): NativeStack {
  const text = readFileSync(new URL(`expected/${name}.stdout`, FIX), "utf8");
  const n: NativeStack = {
    argv: [],
    argvNull: -1,
    envp: [],
    envpNull: -1,
    auxv: [],
    top: -1,
    platform: "",
    execfn: "",
  };
  for (const line of text.trimEnd().split("\n")) {
    const w = line.split(" ");
    if ((w[0] === "argv" || w[0] === "envp") && w[1] === "NULL") {
      n[w[0] === "argv" ? "argvNull" : "envpNull"] = Number(w[3]);
    } else if (w[0] === "argv" || w[0] === "envp") {
      n[w[0]].push({ slot: Number(w[3]), str: Number(w[5]), s: w.slice(6).join(" ") });
    } else if (w[0] === "auxv") {
      const a: NativeAux = { key: w[1]!, slot: Number(w[3]) };
      if (w[4] === "val") a.val = BigInt(w[5]!);
      if (w[4] === "ptr") a.ptr = Number(w[5]);
      n.auxv.push(a);
    } else if (w[0] === "top") {
      n.top = Number(w[1]);
      expect(w.slice(2)).toEqual(["top%4096", "0", "zero", "1"]);
    } else if (w[0] === "platform") {
      n.platform = w[1]!;
    } else if (w[0] === "execfn") {
      n.execfn = w[1]!;
    } else if (w[0] === "sp%16") {
      expect(w[1]).toBe("0");
    }
  }
  return n;
}

function input(over: Partial<InitialStackInput> & { image: InitialStackInput["image"] }): InitialStackInput {
  return {
    argv: ["./auxv", "x", "yy"],
    envp: ["A=1", "B=22"],
    execfn: "./auxv",
    random: RANDOM,
    uid: 1000,
    euid: 1001,
    gid: 100,
    egid: 101,
    secure: false,
    hwcap: 0x178bfbff,
    stackTop: TOP,
    ...over,
  };
}

/** Reads the stack back as a loader would: argc, argv, envp, auxv, following the pointers. */
function walk(bytes: Uint8Array, rsp: bigint) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = (addr: bigint) => v.getBigUint64(Number(addr - rsp), true);
  const str = (addr: bigint) => {
    const i = Number(addr - rsp);
    return new TextDecoder().decode(bytes.subarray(i, bytes.indexOf(0, i)));
  };
  let at = rsp;
  const argc = Number(q(at));
  at += 8n;
  const argv: string[] = [];
  for (let i = 0; i < argc; i++, at += 8n) argv.push(str(q(at)));
  expect(q(at)).toBe(0n);
  at += 8n;
  const envp: string[] = [];
  for (; q(at) !== 0n; at += 8n) envp.push(str(q(at)));
  at += 8n;
  const auxv: Array<[number, bigint]> = [];
  for (;;) {
    const k = Number(q(at));
    auxv.push([k, q(at + 8n)]);
    at += 16n;
    if (k === 0) break;
  }
  return { argc, argv, envp, auxv, auxvEnd: at, str };
}

describe("buildInitialStack against the stack Linux built for test/fixtures/bin/auxv", () => {
  for (const name of ["auxv", "auxv.musl"]) {
    it(`${name}: same strings, same offsets, same auxv order`, () => {
      const nat = native(name);
      const image = parseElf(new Uint8Array(readFileSync(new URL(`bin/${name}`, FIX))));
      const st = buildInitialStack(input({ image, execfn: nat.execfn, argv: nat.argv.map((a) => a.s) }));
      const { rsp, bytes } = st;
      expect(rsp % 16n).toBe(0n);
      expect(st.base).toBe(rsp);
      expect(rsp + BigInt(bytes.length)).toBe(TOP);
      const w = walk(bytes, rsp);
      expect(w.argv).toEqual(nat.argv.map((a) => a.s));
      expect(w.envp).toEqual(nat.envp.map((e) => e.s));

      // the pointer block: argv at rsp+8, envp after argv's NULL, auxv after envp's NULL — as natively
      const off = (a: bigint) => Number(a - rsp);
      expect(nat.argv.map((a) => a.slot)).toEqual(nat.argv.map((_, i) => 8 + 8 * i));
      expect(8 + 8 * nat.argv.length).toBe(nat.argvNull);
      expect(nat.envp.map((e) => e.slot)).toEqual(nat.envp.map((_, i) => nat.argvNull + 8 + 8 * i));
      expect(nat.auxv[0]!.slot).toBe(nat.envpNull + 8);
      expect(off(w.auxvEnd) - 16 * st.auxv.length).toBe(nat.auxv[0]!.slot);

      // the string area, measured from the top of the stack, is byte-for-byte where Linux put it
      const fromTop = (a: bigint) => Number(a - TOP);
      const natTop = (o: number) => o - nat.top;
      expect(st.argvAddrs.map(fromTop)).toEqual(nat.argv.map((a) => natTop(a.str)));
      expect(st.envpAddrs.map(fromTop)).toEqual(nat.envp.map((e) => natTop(e.str)));
      const aux = new Map(st.auxv);
      const natAux = new Map(nat.auxv.map((a) => [a.key, a]));
      for (const k of [AT_EXECFN, AT_PLATFORM, AT_RANDOM]) {
        expect(fromTop(aux.get(k)!), AT_NAMES[k]).toBe(natTop(natAux.get(AT_NAMES[k]!)!.ptr!));
      }
      expect(w.str(aux.get(AT_EXECFN)!)).toBe(nat.execfn);
      expect(w.str(aux.get(AT_PLATFORM)!)).toBe(nat.platform);
      const r = off(aux.get(AT_RANDOM)!);
      expect(bytes.subarray(r, r + 16)).toEqual(RANDOM);
      expect(bytes.subarray(bytes.length - 8)).toEqual(new Uint8Array(8));

      // RSP: the pointer block ends at the random bytes, rounded down to 16, natively and here
      const natWords = 1 + nat.argv.length + 1 + nat.envp.length + 1 + 2 * nat.auxv.length;
      expect(nat.auxv.at(-1)!.key).toBe("AT_NULL");
      expect(Math.floor((natAux.get("AT_RANDOM")!.ptr! - 8 * natWords) / 16) * 16).toBe(0);
      const words = 1 + st.envpAddrs.length + 1 + st.argvAddrs.length + 1 + 2 * st.auxv.length;
      expect(Math.floor((r - 8 * words) / 16) * 16).toBe(0);

      // auxv: Linux 3.1's keys, in the host kernel's order (which only adds keys), with the same values
      const ours = st.auxv.map(([k]) => AT_NAMES[k]);
      expect(w.auxv).toEqual(st.auxv);
      expect(nat.auxv.map((a) => a.key).filter((k) => ours.includes(k))).toEqual(ours);
      for (const [k, v] of st.auxv) {
        const n = natAux.get(AT_NAMES[k]!)!;
        if (n.val !== undefined) expect(v, AT_NAMES[k]).toBe(n.val);
      }
    });
  }

  it("fills the identity and hwcap entries from the input", () => {
    const image = parseElf(new Uint8Array(readFileSync(new URL("bin/auxv", FIX))));
    const st = buildInitialStack(input({ image, secure: true }));
    const aux = Object.fromEntries(st.auxv.map(([k, v]) => [AT_NAMES[k]!, v]));
    expect(aux).toMatchObject({
      AT_UID: 1000n,
      AT_EUID: 1001n,
      AT_GID: 100n,
      AT_EGID: 101n,
      AT_SECURE: 1n,
      AT_HWCAP: 0x178bfbffn,
      AT_PHDR: 0x400040n,
      AT_PHENT: 56n,
      AT_PHNUM: 10n,
      AT_ENTRY: 0x4018c0n,
      AT_PAGESZ: 4096n,
      AT_CLKTCK: 100n,
      AT_BASE: 0n,
      AT_FLAGS: 0n,
    });
  });
});

describe("buildInitialStack", () => {
  const image = parseElf(new Uint8Array(readFileSync(new URL("bin/hello.musl", FIX))));

  it("keeps RSP 16-aligned and every string intact for any arguments", () => {
    const arg = fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !s.includes("\0"));
    fc.assert(
      fc.property(
        fc.array(arg, { maxLength: 8 }),
        fc.array(arg, { maxLength: 8 }),
        arg,
        fc.string(),
        (argv, envp, execfn, p) => {
          const platform = p.replaceAll("\0", "");
          const st = buildInitialStack(input({ image, argv, envp, execfn, platform }));
          expect(st.rsp % 16n).toBe(0n);
          const w = walk(st.bytes, st.rsp);
          expect(w.argc).toBe(argv.length);
          expect(w.argv).toEqual(argv);
          expect(w.envp).toEqual(envp);
          const aux = new Map(w.auxv);
          expect(w.str(aux.get(AT_EXECFN)!)).toBe(execfn);
          expect(w.str(aux.get(AT_PLATFORM)!)).toBe(platform);
          // the pointer block is no more than 15 bytes of padding below the random bytes
          const gap =
            Number(aux.get(AT_RANDOM)! - st.rsp) - 8 * (argv.length + envp.length + 3 + 2 * w.auxv.length);
          expect(gap >= 0 && gap < 16).toBe(true);
        },
      ),
      { numRuns: 300, seed: 4 },
    );
  });

  it("refuses NUL bytes in strings, a random buffer of the wrong size and a misaligned top", () => {
    expect(() => buildInitialStack(input({ image, argv: ["a\0b"] }))).toThrow(
      "initial stack: argv[0] contains a NUL byte",
    );
    expect(() => buildInitialStack(input({ image, envp: ["A=1", "\0"] }))).toThrow(
      "initial stack: envp[1] contains a NUL byte",
    );
    expect(() => buildInitialStack(input({ image, random: new Uint8Array(8) }))).toThrow(
      "initial stack: AT_RANDOM needs 16 bytes, got 8",
    );
    expect(() => buildInitialStack(input({ image, stackTop: TOP - 8n }))).toThrow(
      "initial stack: stackTop 0x7fffffffeff8 is not a 16-byte aligned address",
    );
  });

  it("builds a stack for no arguments and no environment", () => {
    const st = buildInitialStack(input({ image, argv: [], envp: [], execfn: "/p" }));
    const w = walk(st.bytes, st.rsp);
    expect(w.argc).toBe(0);
    expect(w.envp).toEqual([]);
    expect(w.auxv.length).toBe(18);
  });
});
