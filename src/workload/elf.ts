// ELF64 x86-64 executables (System V gABI, x86-64 psABI): header and program-header validation and the page image
// Linux's load_elf_binary would map. ET_EXEC or ET_DYN; a PT_INTERP (dynamic linking) is refused unless the caller
// loads interpreters (`allowInterp`: exec does, and maps the interpreter the header names as a second image).

export interface ElfSegment {
  /** load address, load bias included */
  vaddr: bigint;
  memsz: bigint;
  filesz: bigint;
  /** file offset of the segment's first byte */
  offset: number;
  flags: { r: boolean; w: boolean; x: boolean };
  align: bigint;
}

export interface ElfTls {
  vaddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align: bigint;
}

export interface ElfImage {
  type: "exec" | "pie";
  /** entry point, load bias included */
  entry: bigint;
  phoff: bigint;
  phentsize: number;
  phnum: number;
  /** the PT_LOAD segments with memsz > 0, sorted by vaddr */
  segments: ElfSegment[];
  tls?: ElfTls;
  /** PT_GNU_STACK's PF_X; true when there is no PT_GNU_STACK (the legacy default) */
  stackExec: boolean;
  /** where the program headers are in memory (AT_PHDR) */
  phdrVaddr: bigint;
  /** 0 for ET_EXEC */
  loadBias: bigint;
  /** PT_INTERP: the program interpreter's path (parsed only with allowInterp) */
  interp?: string;
}

export class ElfError extends Error {
  override name = "ElfError";
}

export interface LoadPlanPage {
  vaddr: bigint;
  /** 4096 bytes */
  bytes: Uint8Array;
  flags: { w: boolean; x: boolean };
}

export const PAGE_SIZE = 4096;
/** Linux 3.1's ELF_ET_DYN_BASE (TASK_SIZE / 3 * 2), page-aligned: where a PIE is loaded. */
export const DEFAULT_PIE_LOAD_BIAS = 0x555555554000n;
/** TASK_SIZE_MAX of x86-64: user space ends one page below the canonical hole. */
export const USER_SPACE_END = 0x7ffffffff000n;
/** The lowest address a segment may use (Linux's default vm.mmap_min_addr). */
export const MIN_SEGMENT_VADDR = 0x10000n;
/** Sum of the PT_LOAD segments' memsz above which a file is refused. */
export const MAX_IMAGE_BYTES = 1n << 30n;
/** More program headers than this (the kernel's limit is 64 KiB of them) is refused. */
export const MAX_PHNUM = 1170;

const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const EM_X86_64 = 62;
const ET_REL = 1;
const ET_EXEC = 2;
const ET_DYN = 3;
const ET_CORE = 4;
const PT_LOAD = 1;
const PT_INTERP = 3;
const PT_PHDR = 6;
const PT_TLS = 7;
const PT_GNU_STACK = 0x6474e551;
const PF_X = 1;
const PF_W = 2;
const PF_R = 4;
const PAGE = BigInt(PAGE_SIZE);
const PAGE_MASK = PAGE - 1n;

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

function fail(msg: string): never {
  throw new ElfError(`ELF: ${msg}`);
}

const TYPE_NAMES: Record<number, string> = {
  [ET_REL]: "ET_REL (relocatable object)",
  [ET_CORE]: "ET_CORE (core dump)",
};

interface RawPhdr {
  index: number;
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align: bigint;
}

function readPhdr(view: DataView, at: number, index: number): RawPhdr {
  return {
    index,
    type: view.getUint32(at, true),
    flags: view.getUint32(at + 4, true),
    offset: view.getBigUint64(at + 8, true),
    vaddr: view.getBigUint64(at + 16, true),
    filesz: view.getBigUint64(at + 32, true),
    memsz: view.getBigUint64(at + 40, true),
    align: view.getBigUint64(at + 48, true),
  };
}

/** Checks that [offset, offset + size) lies inside a file of `length` bytes. */
function inFile(offset: bigint, size: bigint, length: number): boolean {
  return offset + size <= BigInt(length);
}

function interpName(bytes: Uint8Array, ph: RawPhdr): string {
  if (!inFile(ph.offset, ph.filesz, bytes.length)) return "outside the file";
  const start = Number(ph.offset);
  let end = start + Math.min(Number(ph.filesz), 256);
  const nul = bytes.indexOf(0, start);
  if (nul >= 0 && nul < end) end = nul;
  let s = "";
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : "?";
  }
  return s;
}

/**
 * Parses and validates a static ELF64 x86-64 executable. A PIE is placed at `loadBias` (default
 * DEFAULT_PIE_LOAD_BIAS); the returned addresses include the bias. Throws ElfError (only) on a bad file.
 */
export function parseElf(bytes: Uint8Array, opts?: { loadBias?: bigint; allowInterp?: boolean }): ElfImage {
  if (bytes.length < EHDR_SIZE) fail(`file too short for an ELF header (${bytes.length} bytes, need 64)`);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    const got = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    fail(`bad magic (${got}, need 7f 45 4c 46)`);
  }
  if (bytes[4] !== 2) fail(`wrong class ${bytes[4]} (need ELFCLASS64 = 2)`);
  if (bytes[5] !== 1) fail(`wrong data encoding ${bytes[5]} (need ELFDATA2LSB = 1)`);
  if (bytes[6] !== 1) fail(`bad ELF version ${bytes[6]} in e_ident (need EV_CURRENT = 1)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eType = view.getUint16(16, true);
  const machine = view.getUint16(18, true);
  if (machine !== EM_X86_64) fail(`wrong machine ${machine} (need EM_X86_64 = 62)`);
  if (eType !== ET_EXEC && eType !== ET_DYN) {
    fail(`wrong type ${TYPE_NAMES[eType] ?? eType} (need ET_EXEC or static-PIE ET_DYN)`);
  }
  const rawEntry = view.getBigUint64(24, true);
  const phoff = view.getBigUint64(32, true);
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  if (phentsize !== PHDR_SIZE) fail(`bad e_phentsize ${phentsize} (need 56)`);
  if (phnum === 0) fail("no program headers (e_phnum 0)");
  if (phnum > MAX_PHNUM) fail(`too many program headers (e_phnum ${phnum}, limit ${MAX_PHNUM})`);
  if (!inFile(phoff, BigInt(phnum * PHDR_SIZE), bytes.length)) {
    fail(`program headers outside the file (e_phoff ${hex(phoff)} + ${phnum} × 56 > ${bytes.length} bytes)`);
  }

  const type = eType === ET_EXEC ? "exec" : "pie";
  let bias = 0n;
  if (type === "pie") {
    bias = opts?.loadBias ?? DEFAULT_PIE_LOAD_BIAS;
    if (bias < 0n || (bias & PAGE_MASK) !== 0n) fail(`load bias ${hex(bias)} is not a page-aligned address`);
  }

  const phdrs: RawPhdr[] = [];
  for (let i = 0; i < phnum; i++) phdrs.push(readPhdr(view, Number(phoff) + i * PHDR_SIZE, i));
  const interp = phdrs.find((p) => p.type === PT_INTERP);
  let interpPath: string | undefined;
  if (interp && opts?.allowInterp !== true) {
    fail(`dynamically linked executables are not supported (PT_INTERP ${interpName(bytes, interp)})`);
  }
  if (interp) {
    // load_elf_binary: p_filesz within PATH_MAX and 2.., the file range inside the file, NUL-terminated there
    if (interp.filesz < 2n || interp.filesz > 4096n)
      fail(`PT_INTERP p_filesz ${interp.filesz} is not 2..4096`);
    if (!inFile(interp.offset, interp.filesz, bytes.length)) fail("PT_INTERP is outside the file");
    const at = Number(interp.offset);
    const end = at + Number(interp.filesz) - 1;
    if (bytes[end] !== 0) fail("PT_INTERP is not NUL-terminated");
    interpPath = new TextDecoder().decode(bytes.subarray(at, end));
    if (interpPath.includes("\0") || interpPath === "") fail("PT_INTERP holds an empty or NUL-broken path");
  }

  const loads: RawPhdr[] = [];
  let total = 0n;
  let tls: ElfTls | undefined;
  let stackExec = true;
  let phdrSeg: RawPhdr | undefined;
  for (const ph of phdrs) {
    const where = `program header ${ph.index}`;
    if (ph.type === PT_GNU_STACK) stackExec = (ph.flags & PF_X) !== 0;
    if (ph.type === PT_PHDR) phdrSeg = ph;
    if (ph.type !== PT_LOAD && ph.type !== PT_TLS) continue;
    const kind = ph.type === PT_LOAD ? "segment" : "PT_TLS";
    if (ph.filesz > ph.memsz) {
      fail(`${where}: ${kind} p_filesz ${hex(ph.filesz)} > p_memsz ${hex(ph.memsz)}`);
    }
    if (!inFile(ph.offset, ph.filesz, bytes.length)) {
      fail(
        `${where}: ${kind} file range ${hex(ph.offset)}..${hex(ph.offset + ph.filesz)} is outside the file (${bytes.length} bytes)`,
      );
    }
    if (ph.type === PT_TLS) {
      if (ph.align > 1n && (ph.align & (ph.align - 1n)) !== 0n) {
        fail(`${where}: PT_TLS p_align ${hex(ph.align)} is not a power of two`);
      }
      tls = { vaddr: ph.vaddr + bias, filesz: ph.filesz, memsz: ph.memsz, align: ph.align };
      continue;
    }
    if (ph.memsz === 0n) continue;
    total += ph.memsz;
    if (total > MAX_IMAGE_BYTES) {
      fail(`${where}: segments add up to ${hex(total)} bytes, more than the limit of 1 GiB`);
    }
    const start = ph.vaddr + bias;
    const end = start + ph.memsz;
    if (start >= 1n << 47n) {
      fail(`${where}: segment ${hex(start)}..${hex(end)} is in the kernel half or non-canonical`);
    }
    if (end > USER_SPACE_END) {
      fail(`${where}: segment ${hex(start)}..${hex(end)} ends above user space (${hex(USER_SPACE_END)})`);
    }
    if (start < MIN_SEGMENT_VADDR) {
      fail(
        `${where}: segment ${hex(start)}..${hex(end)} starts below mmap_min_addr ${hex(MIN_SEGMENT_VADDR)}`,
      );
    }
    if (((ph.vaddr - ph.offset) & PAGE_MASK) !== 0n) {
      fail(`${where}: p_vaddr ${hex(ph.vaddr)} and p_offset ${hex(ph.offset)} differ modulo the page size`);
    }
    for (const other of loads) {
      const os = other.vaddr + bias;
      const oe = os + other.memsz;
      if (start < oe && os < end) {
        fail(`${where}: segment overlaps segment ${other.index} (${hex(os)}..${hex(oe)})`);
      }
    }
    loads.push(ph);
  }
  if (loads.length === 0) fail("no loadable segment (PT_LOAD with p_memsz > 0)");
  loads.sort((a, b) => (a.vaddr < b.vaddr ? -1 : 1));

  const segments: ElfSegment[] = loads.map((ph) => ({
    vaddr: ph.vaddr + bias,
    memsz: ph.memsz,
    filesz: ph.filesz,
    offset: Number(ph.offset),
    flags: { r: (ph.flags & PF_R) !== 0, w: (ph.flags & PF_W) !== 0, x: (ph.flags & PF_X) !== 0 },
    align: ph.align,
  }));

  const entry = rawEntry + bias;
  if (!segments.some((s) => s.flags.x && entry >= s.vaddr && entry < s.vaddr + s.memsz)) {
    fail(`entry point ${hex(entry)} is outside every executable segment`);
  }

  // AT_PHDR: PT_PHDR if present, else the PT_LOAD whose file bytes hold the table, else (as Linux 3.1 does
  // unconditionally) the first segment's vaddr - offset + e_phoff.
  let phdrVaddr: bigint;
  const tableEnd = phoff + BigInt(phnum * PHDR_SIZE);
  const holder = loads.find((p) => p.offset <= phoff && tableEnd <= p.offset + p.filesz);
  if (phdrSeg) phdrVaddr = phdrSeg.vaddr + bias;
  else if (holder) phdrVaddr = holder.vaddr + (phoff - holder.offset) + bias;
  else phdrVaddr = loads[0]!.vaddr - loads[0]!.offset + phoff + bias;

  const image: ElfImage = {
    type,
    entry,
    phoff,
    phentsize,
    phnum,
    segments,
    stackExec,
    phdrVaddr,
    loadBias: bias,
  };
  if (tls) image.tls = tls;
  if (interpPath !== undefined) image.interp = interpPath;
  return image;
}

/**
 * The pages the program's PT_LOAD segments occupy, as Linux maps them: each segment's file pages (bytes of the
 * same file page around the segment included, as mmap of the page-rounded offset gives), its bss zeroed up to
 * the page end (padzero), and a page shared by two segments holding both with the union of their permissions.
 * brkStart is the page-aligned end of the highest segment.
 */
export function loadPlan(bytes: Uint8Array, image: ElfImage): { pages: LoadPlanPage[]; brkStart: bigint } {
  const pages = new Map<bigint, LoadPlanPage>();
  const page = (va: bigint): LoadPlanPage => {
    let p = pages.get(va);
    if (!p) {
      p = { vaddr: va, bytes: new Uint8Array(PAGE_SIZE), flags: { w: false, x: false } };
      pages.set(va, p);
    }
    return p;
  };
  // Copies file bytes [fileOff, fileOff + n) to va, page by page, clipped to the end of the file.
  const copy = (va: bigint, fileOff: number, n: number): void => {
    n = Math.min(n, bytes.length - fileOff);
    while (n > 0) {
      const pva = va & ~PAGE_MASK;
      const inPage = Number(va - pva);
      const chunk = Math.min(n, PAGE_SIZE - inPage);
      page(pva).bytes.set(bytes.subarray(fileOff, fileOff + chunk), inPage);
      va += BigInt(chunk);
      fileOff += chunk;
      n -= chunk;
    }
  };
  const zero = (va: bigint, end: bigint): void => {
    while (va < end) {
      const pva = va & ~PAGE_MASK;
      const inPage = Number(va - pva);
      const chunk = Number(end - va < PAGE - BigInt(inPage) ? end - va : PAGE - BigInt(inPage));
      page(pva).bytes.fill(0, inPage, inPage + chunk);
      va += BigInt(chunk);
    }
  };
  let brk = 0n;
  for (const s of image.segments) {
    if (s.offset + Number(s.filesz) > bytes.length) {
      throw new ElfError(
        `ELF: segment at ${hex(s.vaddr)}: file range outside the file (not this image's file?)`,
      );
    }
    const first = s.vaddr & ~PAGE_MASK;
    const last = (s.vaddr + s.memsz + PAGE_MASK) & ~PAGE_MASK;
    for (let va = first; va < last; va += PAGE) {
      const p = page(va);
      p.flags.w ||= s.flags.w;
      p.flags.x ||= s.flags.x;
    }
    const end = s.vaddr + s.memsz;
    if (end > brk) brk = end;
  }
  // 1: the whole file pages each segment maps; 2: bss to its page end; 3: every segment's own bytes, last, so
  // that a neighbour's file page or bss never covers them.
  for (const s of image.segments) {
    const fileEnd = (s.vaddr + s.filesz + PAGE_MASK) & ~PAGE_MASK;
    const first = s.vaddr & ~PAGE_MASK;
    copy(first, s.offset - Number(s.vaddr - first), Number(fileEnd - first));
  }
  for (const s of image.segments) {
    if (s.memsz > s.filesz) zero(s.vaddr + s.filesz, (s.vaddr + s.memsz + PAGE_MASK) & ~PAGE_MASK);
  }
  for (const s of image.segments) copy(s.vaddr, s.offset, Number(s.filesz));
  const sorted = [...pages.values()].sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0));
  return { pages: sorted, brkStart: (brk + PAGE_MASK) & ~PAGE_MASK };
}
