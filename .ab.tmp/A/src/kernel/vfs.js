// A minimal in-memory VFS: a fixed directory tree ("/", "/tmp", "/dev", "/sys/fs/cgroup"), the character devices
// /dev/null and /dev/zero, and per-task file descriptor tables. Enough for the syscalls the workloads use.
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_ACCMODE = 3;
export const O_DIRECTORY = 0o200000;
export const NR_OPEN_DEFAULT = 1024; // RLIMIT_NOFILE soft limit
export const PATH_MAX = 4096;
export class Vfs {
    nodes = new Map();
    constructor() {
        for (const d of ["/", "/tmp", "/dev", "/sys", "/sys/fs", "/sys/fs/cgroup", "/proc"])
            this.mkdir(d);
        this.nodes.set("/dev/null", { type: "chr", kind: "null" });
        this.nodes.set("/dev/zero", { type: "chr", kind: "zero" });
    }
    /** Host API (e.g. cgroupfs): create a directory; its parent must exist. */
    mkdir(path) {
        const p = normalize("/", path);
        if (p !== "/" && this.nodes.get(parentOf(p))?.type !== "dir")
            throw new Error(`vfs.mkdir: no parent for ${p}`);
        this.nodes.set(p, { type: "dir" });
    }
    lookup(cwd, path) {
        const p = normalize(cwd, path);
        let notDirOnWay = false;
        for (let q = parentOf(p);; q = parentOf(q)) {
            const n = this.nodes.get(q);
            if (n !== undefined && n.type !== "dir")
                notDirOnWay = true;
            if (q === "/")
                break;
        }
        return { path: p, node: this.nodes.get(p), notDirOnWay };
    }
}
/** Absolute, with "." and ".." resolved ("/.." is "/"). */
export function normalize(cwd, path) {
    const parts = (path.startsWith("/") ? path : `${cwd}/${path}`).split("/");
    const out = [];
    for (const s of parts) {
        if (s === "" || s === ".")
            continue;
        if (s === "..")
            out.pop();
        else
            out.push(s);
    }
    return `/${out.join("/")}`;
}
function parentOf(p) {
    const i = p.lastIndexOf("/");
    return i <= 0 ? "/" : p.slice(0, i);
}
/** A task's descriptor table; dup'd descriptors share the OpenFile. */
export class FdTable {
    fds = new Map();
    static standard() {
        const t = new FdTable();
        t.fds.set(0, { kind: "stdin", path: "/dev/stdin", accmode: O_RDONLY });
        t.fds.set(1, { kind: "stdout", path: "/dev/stdout", accmode: O_WRONLY });
        t.fds.set(2, { kind: "stderr", path: "/dev/stderr", accmode: O_WRONLY });
        return t;
    }
    clone() {
        const t = new FdTable();
        for (const [k, v] of this.fds)
            t.fds.set(k, v);
        return t;
    }
    get(fd) {
        return this.fds.get(fd);
    }
    /** The lowest free descriptor, or -1 at the limit. */
    install(f) {
        for (let fd = 0; fd < NR_OPEN_DEFAULT; fd++) {
            if (!this.fds.has(fd)) {
                this.fds.set(fd, f);
                return fd;
            }
        }
        return -1;
    }
    close(fd) {
        return this.fds.delete(fd);
    }
}
//# sourceMappingURL=vfs.js.map