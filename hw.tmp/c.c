#include <cpuid.h>
#include <stdio.h>
int main(){unsigned a,b,c,d; __cpuid_count(0xd,0,a,b,c,d); printf("xcr0-size %u max %u\n",b,c); __cpuid_count(0xd,1,a,b,c,d); printf("sub1 eax %x ebx %u\n",a,b); return 0;}
