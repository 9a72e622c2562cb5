/* CPU-bound bench program: a checksum over 4 MiB through many small calls (about 10^8 guest instructions).
 * Built static so that QEMU user mode, the host and `syscall-lab exec` run the same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SIZE (4u << 20)

static __attribute__((noinline)) uint32_t mix(uint32_t h, uint8_t b) {
  h ^= b;
  return h * 16777619u;
}

static __attribute__((noinline)) uint32_t block(const uint8_t *p, uint32_t h) {
  for (int i = 0; i < 16; i++) h = mix(h, p[i]);
  return h;
}

int main(void) {
  uint8_t *buf = malloc(SIZE);
  if (buf == NULL) return 1;
  uint32_t x = 12345;
  for (uint32_t i = 0; i < SIZE; i++) {
    x = x * 1103515245u + 12345u;
    buf[i] = (uint8_t)(x >> 16);
  }
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < SIZE; i += 16) h = block(buf + i, h);
  printf("checksum %08x\n", h);
  return 0;
}
