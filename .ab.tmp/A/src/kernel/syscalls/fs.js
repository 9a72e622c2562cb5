import { EBADF, EFAULT, EINVAL, EISDIR, EMFILE, ENAMETOOLONG, ENOENT, ENOTDIR, ERANGE } from "../errno.js";
import { argInt, argNum, argU32 } from "../native-args.js";
import { copyFromUser, copyToUser, strncpyFromUser } from "../uaccess.js";
import { O_ACCMODE, O_DIRECTORY, O_WRONLY, PATH_MAX } from "../vfs.js";
/** MAX_RW_COUNT: a single read/write moves at most INT_MAX rounded down to a page (fs/read_write.c). */
const MAX_RW_COUNT = 0x7ffff000;
function rwCount(cpu) {
    const n = argNum(cpu, 2); // size_t
    return n < 0 || n > MAX_RW_COUNT ? MAX_RW_COUNT : n;
}
/** ssize_t read(unsigned int fd, char __user *buf, size_t count) */
export function sys_read(k, cpu) {
    const t = k.current();
    const f = t.files.get(argU32(cpu, 0));
    if (f === undefined || (f.accmode & O_ACCMODE) === O_WRONLY)
        return -EBADF;
    const buf = argNum(cpu, 1);
    const count = rwCount(cpu);
    let data;
    switch (f.kind) {
        case "dir":
            return -EISDIR;
        case "null":
            return 0;
        case "zero":
            data = new Uint8Array(Math.min(count, 1 << 20));
            break;
        case "stdin":
            data = k.input(count);
            break;
        default:
            // fds 1 and 2 are write-only here
            return -EBADF;
    }
    if (!copyToUser(t.space, buf, data))
        return -EFAULT;
    k.charge("copy_user_per_byte", data.length);
    return data.length;
}
/** ssize_t write(unsigned int fd, const char __user *buf, size_t count) */
export function sys_write(k, cpu) {
    const t = k.current();
    const f = t.files.get(argU32(cpu, 0));
    if (f === undefined || (f.accmode & O_ACCMODE) === 0)
        return -EBADF;
    const count = rwCount(cpu);
    // write_null / write_zero accept everything without touching the buffer
    if (f.kind === "null" || f.kind === "zero")
        return count;
    const data = copyFromUser(t.space, argNum(cpu, 1), count);
    if (data === null)
        return -EFAULT;
    k.charge("copy_user_per_byte", data.length);
    if (f.kind === "stdout" || f.kind === "stderr")
        k.output(f.kind, data);
    else
        return -EBADF;
    return data.length;
}
function getPath(k, addr) {
    const s = strncpyFromUser(k.current().space, addr, PATH_MAX - 1);
    if (s === null)
        return -EFAULT;
    if (s === "toolong")
        return -ENAMETOOLONG;
    if (s === "")
        return -ENOENT;
    k.charge("copy_user_per_byte", s.length + 1);
    return s;
}
/** long open(const char __user *filename, int flags, umode_t mode): existing devices and directories only. */
export function sys_open(k, cpu) {
    const t = k.current();
    const path = getPath(k, argNum(cpu, 0));
    if (typeof path === "number")
        return path;
    const flags = argInt(cpu, 1);
    const r = k.vfs.lookup(t.cwd, path);
    if (r.notDirOnWay)
        return -ENOTDIR;
    if (r.node === undefined)
        return -ENOENT;
    let f;
    if (r.node.type === "dir") {
        if ((flags & O_ACCMODE) !== 0)
            return -EISDIR;
        f = { kind: "dir", path: r.path, accmode: 0 };
    }
    else {
        if (flags & O_DIRECTORY)
            return -ENOTDIR;
        f = { kind: r.node.kind, path: r.path, accmode: flags & O_ACCMODE };
    }
    const fd = t.files.install(f);
    return fd < 0 ? -EMFILE : fd;
}
/** long close(unsigned int fd) */
export function sys_close(k, cpu) {
    return k.current().files.close(argU32(cpu, 0)) ? 0 : -EBADF;
}
/** long dup(unsigned int fildes) */
export function sys_dup(k, cpu) {
    const t = k.current();
    const f = t.files.get(argU32(cpu, 0));
    if (f === undefined)
        return -EBADF;
    const fd = t.files.install(f);
    return fd < 0 ? -EMFILE : fd;
}
/** long getcwd(char __user *buf, unsigned long size): the length including the NUL. */
export function sys_getcwd(k, cpu) {
    const t = k.current();
    const bytes = Buffer.from(`${t.cwd}\0`, "latin1");
    const size = argNum(cpu, 1);
    if (size < 0)
        return -EINVAL;
    if (bytes.length > size)
        return -ERANGE;
    if (!copyToUser(t.space, argNum(cpu, 0), bytes))
        return -EFAULT;
    return bytes.length;
}
/** long chdir(const char __user *filename) */
export function sys_chdir(k, cpu) {
    const t = k.current();
    const path = getPath(k, argNum(cpu, 0));
    if (typeof path === "number")
        return path;
    const r = k.vfs.lookup(t.cwd, path);
    if (r.notDirOnWay)
        return -ENOTDIR;
    if (r.node === undefined)
        return -ENOENT;
    if (r.node.type !== "dir")
        return -ENOTDIR;
    t.cwd = r.path;
    return 0;
}
/** long umask(int mask): the previous mask */
export function sys_umask(k, cpu) {
    const t = k.current();
    const old = t.umask;
    t.umask = argInt(cpu, 0) & 0o777;
    return old;
}
//# sourceMappingURL=fs.js.map