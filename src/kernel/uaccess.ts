// Access to user memory from natives (copy_from_user & co.): every byte must lie below TASK_SIZE_MAX in a page
// mapped with PTE_U (and PTE_W for writes); otherwise the copy fails and the syscall returns -EFAULT.
import { type AddressSpace, PAGE_SIZE, PTE_U, PTE_W } from "../cpu/memory.ts";
import { latin1Decode } from "../cpu/text-bytes.ts";
import { TASK_SIZE_MAX } from "./thread-info.ts";

/** access_ok(): the range lies in the user half. */
export function accessOk(addr: number, len: number): boolean {
  return Number.isSafeInteger(addr) && addr >= 0 && len >= 0 && addr + len <= TASK_SIZE_MAX;
}

function pagesOk(space: AddressSpace, addr: number, len: number, need: number): boolean {
  if (!accessOk(addr, len)) return false;
  if (len === 0) return true;
  const last = Math.floor((addr + len - 1) / PAGE_SIZE);
  for (let p = Math.floor(addr / PAGE_SIZE); p <= last; p++) {
    if ((space.lookup(p * PAGE_SIZE) & need) !== need) return false;
  }
  return true;
}

export function copyFromUser(space: AddressSpace, addr: number, len: number): Uint8Array | null {
  if (!pagesOk(space, addr, len, PTE_U)) return null;
  return len === 0 ? new Uint8Array(0) : space.readBytes(addr, len);
}

export function copyToUser(space: AddressSpace, addr: number, data: Uint8Array): boolean {
  if (!pagesOk(space, addr, data.length, PTE_U | PTE_W)) return false;
  if (data.length > 0) space.writeBytes(addr, data);
  return true;
}

/** clear_user(): zero-fill user memory. */
export function clearUser(space: AddressSpace, addr: number, len: number): boolean {
  return copyToUser(space, addr, new Uint8Array(len));
}

/**
 * strncpy_from_user(): a NUL-terminated string of at most `max` bytes (NUL excluded).
 * Returns null on a fault, "toolong" when no NUL is found within max+1 bytes.
 */
export function strncpyFromUser(space: AddressSpace, addr: number, max: number): string | null | "toolong" {
  const chars: number[] = [];
  for (let i = 0; i <= max; i++) {
    const a = addr + i;
    if (!accessOk(a, 1) || (space.lookup(a) & PTE_U) === 0) return null;
    const c = space.read8(a);
    if (c === 0) return latin1Decode(chars);
    chars.push(c);
  }
  return "toolong";
}

/** Little-endian u64 words as bytes (struct timespec & co.). */
export function u64Bytes(...words: (number | bigint)[]): Uint8Array {
  const out = new Uint8Array(8 * words.length);
  const v = new DataView(out.buffer);
  for (const [i, w] of words.entries()) v.setBigUint64(8 * i, BigInt.asUintN(64, BigInt(w)), true);
  return out;
}
