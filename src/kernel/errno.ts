// errno values (include/asm-generic/errno-base.h, errno.h). Syscalls return -errno in RAX.
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const EBADF = 9;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EEXIST = 17;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const EMFILE = 24;
export const ERANGE = 34;
export const ENAMETOOLONG = 36;
export const ENOSYS = 38;
