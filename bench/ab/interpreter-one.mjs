// One interpreter run for host-instruction counting: node bench/ab/interpreter-one.mjs DIST_ROOT flat|ooo tight|memory SLICES
// (DIST_ROOT: a worktree with `npx tsc -p tsconfig.build.json` done; "ooo" needs a build with src/cpu/timing).
const [dir, variant, prog, slices] = process.argv.slice(2);
const C = await import(`${dir}/dist/src/cpu/cpu.js`);
const M = await import(`${dir}/dist/src/cpu/memory.js`);
const TIGHT = Uint8Array.from([
  0xb9, 0x40, 0x42, 0x0f, 0x00, 0x48, 0x01, 0xc8, 0x48, 0xff, 0xc9, 0x75, 0xf8, 0xeb, 0xf1,
]);
const MEMORY = Uint8Array.from([
  0xb9, 0x40, 0x42, 0x0f, 0x00, 0x48, 0x8b, 0x06, 0x48, 0x89, 0x46, 0x08, 0x50, 0x5b, 0x48, 0x01, 0x5e, 0x10,
  0x48, 0xff, 0xc9, 0x75, 0xee, 0xeb, 0xe7,
]);
let costs;
if (variant === "ooo")
  costs = (await import(`${dir}/dist/src/measure/profile.js`)).getProfile("cascadelake-2022").costs;
const phys = new M.PhysicalMemory({ maxBytes: 8 << 20 });
const space = new M.AddressSpace(phys, 0x1000);
space.map(0x400000, 4096, M.PTE_U);
space.map(0x600000, 4096, M.PTE_U | M.PTE_W);
space.map(0x7ff000, 4096, M.PTE_U | M.PTE_W);
space.writeBytes(0x400000, prog === "tight" ? TIGHT : MEMORY);
const cpu = costs ? new C.Cpu({ space, costs }) : new C.Cpu({ space });
cpu.cpl = 3;
cpu.setRip(0x400000);
cpu.setReg(6, 0x600000);
cpu.setReg(4, 0x800000);
for (let i = 0; i < Number(slices); i++) cpu.run(1_000_000);
