/* Syscall-bound bench program: one million getppid calls through syscall(2). */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  long sum = 0;
  for (int i = 0; i < 1000000; i++) sum += syscall(SYS_getppid);
  printf("1000000 getppid calls\n");
  return sum < 0;
}
