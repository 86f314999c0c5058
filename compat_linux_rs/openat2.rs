//! openat2(2): open a file, with how the path may be resolved.
//!
//! Linux contract (`fs/open.c` of 6.x: `SYSCALL_DEFINE4(openat2)`,
//! `copy_struct_from_user`, `build_open_flags`, `do_sys_openat2`;
//! `fs/namei.c`: `path_init`, `link_path_walk`, `handle_dots`,
//! `nd_jump_root`, `pick_link`, `open_last_lookups`):
//! `long openat2(int dirfd, const char *path, struct open_how *how,
//! size_t size)`, `struct open_how { u64 flags, mode, resolve; }`, checked
//! in this order:
//! 1. `size` below 24 → `EINVAL`; above a page (4096) → `E2BIG`; bytes of
//!    `how` past the 24 Linux knows that are not all zero → `E2BIG` (read
//!    first), `how` unreadable → `EFAULT`;
//! 2. `flags` (`O_CLOEXEC` aside) outside the open flags Linux knows, or
//!    `resolve` outside `RESOLVE_*` → `EINVAL`; `RESOLVE_BENEATH` with
//!    `RESOLVE_IN_ROOT` → `EINVAL`; `mode` outside 07777 with `O_CREAT` or
//!    `O_TMPFILE`, or non-zero without them → `EINVAL`; `O_DIRECTORY` with
//!    `O_CREAT` → `EINVAL`; `O_TMPFILE` without `O_DIRECTORY` or without
//!    write access → `EINVAL`; `O_PATH` with flags other than
//!    `O_DIRECTORY`, `O_NOFOLLOW`, `O_CLOEXEC` → `EINVAL`;
//!    `RESOLVE_CACHED` with `O_TRUNC`, `O_CREAT` or `O_TMPFILE` →
//!    `EAGAIN`;
//! 3. the path copied in (`EFAULT`, `ENAMETOOLONG`; empty → `ENOENT`);
//! 4. a descriptor reserved (`EMFILE`);
//! 5. the walk: a relative path (or any path with `RESOLVE_IN_ROOT`) from
//!    `dirfd` (`AT_FDCWD`: the working directory; else `EBADF`, `ENOTDIR`),
//!    an absolute one from the root (`EXDEV` with `RESOLVE_BENEATH`); one
//!    component at a time, with the lookup's own errors (`ENOENT`,
//!    `EACCES`, `ENOTDIR`, `ENAMETOOLONG`); then:
//!    - `RESOLVE_BENEATH`, `RESOLVE_IN_ROOT`: the starting directory is the
//!      root of the walk: `..` there is `EXDEV` (`BENEATH`) or stays
//!      there (`IN_ROOT`), an absolute symbolic link is `EXDEV`
//!      (`BENEATH`) or starts over at that root (`IN_ROOT`);
//!    - `RESOLVE_NO_SYMLINKS`: any symbolic link, the last one too unless
//!      it is not to be followed, → `ELOOP`; otherwise more than 40 → `ELOOP`;
//!    - `RESOLVE_NO_XDEV`: crossing a mount point, down or up (a link to
//!      the root included) → `EXDEV`;
//!    - `RESOLVE_NO_MAGICLINKS`: a `/proc` magic link → `ELOOP` (in a
//!      `BENEATH` or `IN_ROOT` walk always `EXDEV`);
//! 6. the last component as open(2) has it: with `O_CREAT` a trailing
//!    slash is `EISDIR` before the name is looked up; followed unless
//!    `O_NOFOLLOW` (or `O_CREAT|O_EXCL`), but always with a trailing
//!    slash; a link not followed is `ELOOP` (`O_PATH` opens it); created
//!    with `O_CREAT` (`EEXIST` with `O_EXCL`); a trailing slash asks for a
//!    directory (`ENOTDIR`), as does `O_DIRECTORY`, before a socket's
//!    `ENXIO` and a link's `ELOOP`; a path that ends at a directory by
//!    `.`, `..` or `/` with `O_CREAT|O_EXCL` → `EEXIST`; a directory with
//!    `O_CREAT` or write access → `EISDIR`; the permission checks
//!    (`EACCES`); a socket → `ENXIO`.
//!
//! The new descriptor is the lowest free number, close-on-exec with
//! `O_CLOEXEC`; the umask applies to a created file's mode.
//!
//! On NetBSD the module resolves the path itself: it holds each directory
//! (a vnode reference) as it goes, looks one name at a time up in it
//! (`nameiat_simple_kernel`, no link followed), keeps a stack of the
//! directories it went down through and pops it for `..` in a `BENEATH`
//! or `IN_ROOT` walk rather than ask the file system (so that no rename
//! of a directory meanwhile can take it above its root), and reads and
//! follows symbolic links itself (`VOP_READLINK`). The last component is
//! opened by NetBSD's `vn_open` from the held directory, a single name,
//! always `O_NOFOLLOW` (a link that appears there meanwhile is `EFTYPE`,
//! and the walk goes on from it as from any link), and the descriptor is
//! made as open(2) makes it (`fd_allocfile`, `fd_affix`). Without
//! `RESOLVE_*` flags the walk is the same.
//!
//! Flags: the Linux `O_*` values are translated here (compat_linux's
//! `linux_to_bsd_ioflags` is not used): `O_LARGEFILE` (NetBSD offsets are
//! 64-bit), `O_NOATIME` and `FASYNC` (which Linux's open does not act on)
//! are taken and have no effect.
//!
//! Deviations:
//! - `O_PATH`: NetBSD has no descriptor that only names a file: a
//!   directory or regular file is opened for reading (`EACCES` if it may
//!   not be read, as compat_linux's openat does); a symbolic link
//!   (`O_NOFOLLOW`) is `ELOOP`, anything else `EOPNOTSUPP`.
//! - `O_TMPFILE`: no NetBSD file system makes unnamed files: `EOPNOTSUPP`
//!   (as Linux on a file system without them; glibc's tmpfile() falls
//!   back), after the directory is found.
//! - `O_ACCMODE` (3) as the access mode is `EINVAL` (NetBSD's open(2));
//!   Linux opens for neither reading nor writing.
//! - `RESOLVE_CACHED` is always `EAGAIN`: NetBSD cannot promise a lookup
//!   without I/O. Callers retry without it.
//! - `RESOLVE_NO_MAGICLINKS`: NetBSD has no magic links. Its procfs makes
//!   `/proc/N/fd/M` of an open directory a symbolic link whose text is
//!   followed like any link, and of any other file a node that opens the
//!   descriptor again (`EDUPFD`), which the module refuses: `EOPNOTSUPP`
//!   (Linux reopens the file, or says `ELOOP` or `EXDEV` under the flags).
//! - An absolute path is resolved from the process's root, never under
//!   the emulation's root (`/emul/linux`) that compat_linux's own calls
//!   try first.
//! - A path is at most NetBSD's `PATH_MAX` (1024 bytes), and so is a
//!   path with a link's text in place of the link (`ENAMETOOLONG`); at most
//!   2048 directories deep.
//! - The sticky bit is dropped from a created file's mode, as open(2) on
//!   NetBSD drops it.

use bitflags::bitflags;

use crate::args::SyscallArgs;
use crate::errno::Errno;
use core::ops::Range;

use crate::file::{FdSlot, FileRef, KernelBuf, Vnode, VnodeRef, VnodeStack};
use crate::lwp::Lwp;
use crate::sys::{self, register_t};
use crate::user::{KernelName, KernelPath, UserAddr, UserPtr, nul_terminated};

/// Linux amd64 system call number.
pub const NR: u16 = 437;

/// `OPEN_HOW_SIZE_VER0`: the `struct open_how` this Linux knows.
const OPEN_HOW_SIZE: u64 = 24;
/// The most `size` may say (`PAGE_SIZE`).
const OPEN_HOW_SIZE_MAX: u64 = 4096;
/// Linux's `MAXSYMLINKS`.
const MAX_LINKS: u32 = 40;
/// How many directories a walk may hold on its way down.
const MAX_DEPTH: usize = 2048;

bitflags! {
    /// The `O_*` open flags of Linux x86-64 (`VALID_OPEN_FLAGS`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct OpenFlags: u64 {
        /// `O_WRONLY`.
        const WRONLY = 0o1;
        /// `O_RDWR`.
        const RDWR = 0o2;
        /// `O_CREAT`.
        const CREAT = 0o100;
        /// `O_EXCL`.
        const EXCL = 0o200;
        /// `O_NOCTTY`.
        const NOCTTY = 0o400;
        /// `O_TRUNC`.
        const TRUNC = 0o1000;
        /// `O_APPEND`.
        const APPEND = 0o2000;
        /// `O_NONBLOCK`.
        const NONBLOCK = 0o4000;
        /// `O_DSYNC`.
        const DSYNC = 0o10000;
        /// `FASYNC`.
        const ASYNC = 0o20000;
        /// `O_DIRECT`.
        const DIRECT = 0o40000;
        /// `O_LARGEFILE`.
        const LARGEFILE = 0o100000;
        /// `O_DIRECTORY`.
        const DIRECTORY = 0o200000;
        /// `O_NOFOLLOW`.
        const NOFOLLOW = 0o400000;
        /// `O_NOATIME`.
        const NOATIME = 0o1000000;
        /// `O_CLOEXEC`.
        const CLOEXEC = 0o2000000;
        /// `__O_SYNC` (`O_SYNC` is it with `O_DSYNC`).
        const SYNC = 0o4000000;
        /// `O_PATH`.
        const PATH = 0o10000000;
        /// `__O_TMPFILE` (`O_TMPFILE` is it with `O_DIRECTORY`).
        const TMPFILE = 0o20000000;
    }
}

bitflags! {
    /// `RESOLVE_*`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Resolve: u64 {
        /// No crossing of mount points.
        const NO_XDEV = 0x01;
        /// No `/proc` magic links.
        const NO_MAGICLINKS = 0x02;
        /// No symbolic links at all.
        const NO_SYMLINKS = 0x04;
        /// Nothing outside `dirfd`'s directory.
        const BENEATH = 0x08;
        /// `dirfd`'s directory as the root.
        const IN_ROOT = 0x10;
        /// Only what the caches hold, no I/O.
        const CACHED = 0x20;
    }
}

/// Flags `O_PATH` may come with (`O_PATH_FLAGS`).
const PATH_FLAGS: OpenFlags = OpenFlags::DIRECTORY
    .union(OpenFlags::NOFOLLOW)
    .union(OpenFlags::PATH)
    .union(OpenFlags::CLOEXEC);

/// `S_ISVTX`, `S_IALLUGO`: the same on both systems.
const S_ISVTX: u64 = 0o1000;
const S_IALLUGO: u64 = 0o7777;

/// Step 1: `struct open_how`, as `copy_struct_from_user` reads it.
fn copy_how(addr: u64, size: u64) -> Result<(OpenFlags, u64, u64), Errno> {
    if size < OPEN_HOW_SIZE {
        return Err(Errno::EINVAL);
    }
    if size > OPEN_HOW_SIZE_MAX {
        return Err(Errno::E2BIG);
    }
    // The bytes past what this Linux knows must be zero.
    let mut chunk = [0u8; 64];
    let mut at = OPEN_HOW_SIZE;
    while at < size {
        let n = ((size - at) as usize).min(chunk.len());
        let part = chunk.get_mut(..n).unwrap_or_default();
        UserAddr::new(addr).offset(at as usize).read_into(part)?;
        if part.iter().any(|&b| b != 0) {
            return Err(Errno::E2BIG);
        }
        at += n as u64;
    }
    let [flags, mode, resolve] = UserPtr::<[u64; 3]>::new(addr).read()?;
    // Bits Linux does not know make `from_bits` fail: EINVAL below.
    let flags = OpenFlags::from_bits(flags & !OpenFlags::CLOEXEC.bits())
        .map(|f| f | OpenFlags::from_bits_truncate(flags & OpenFlags::CLOEXEC.bits()))
        .ok_or(Errno::EINVAL)?;
    Ok((flags, mode, resolve))
}

/// Step 2: `build_open_flags`.
fn check_how(flags: OpenFlags, mode: u64, resolve: u64) -> Result<Resolve, Errno> {
    let resolve = Resolve::from_bits(resolve).ok_or(Errno::EINVAL)?;
    if resolve.contains(Resolve::BENEATH | Resolve::IN_ROOT) {
        return Err(Errno::EINVAL);
    }
    let creates = flags.intersects(OpenFlags::CREAT | OpenFlags::TMPFILE);
    if (creates && mode & !S_IALLUGO != 0) || (!creates && mode != 0) {
        return Err(Errno::EINVAL);
    }
    if flags.contains(OpenFlags::DIRECTORY | OpenFlags::CREAT) {
        return Err(Errno::EINVAL);
    }
    if flags.contains(OpenFlags::TMPFILE)
        && (!flags.contains(OpenFlags::DIRECTORY)
            || !flags.intersects(OpenFlags::WRONLY | OpenFlags::RDWR))
    {
        return Err(Errno::EINVAL);
    }
    if flags.contains(OpenFlags::PATH) && !PATH_FLAGS.contains(flags) {
        return Err(Errno::EINVAL);
    }
    if resolve.contains(Resolve::CACHED) {
        return Err(Errno::EAGAIN);
    }
    Ok(resolve)
}

/// The NetBSD open flags (`F*`, as vn_open takes them) for Linux `flags`,
/// `O_NOFOLLOW` always: the module follows links itself.
fn netbsd_fflags(flags: OpenFlags) -> Result<i32, Errno> {
    if flags.contains(OpenFlags::PATH) {
        return Ok((sys::FREAD | sys::O_NOFOLLOW) as i32);
    }
    let access = match (flags & (OpenFlags::WRONLY | OpenFlags::RDWR)).bits() {
        0 => sys::FREAD,
        1 => sys::FWRITE,
        2 => sys::FREAD | sys::FWRITE,
        _ => return Err(Errno::EINVAL),
    };
    let map = [
        (OpenFlags::CREAT, sys::O_CREAT),
        (OpenFlags::EXCL, sys::O_EXCL),
        (OpenFlags::NOCTTY, sys::O_NOCTTY),
        (OpenFlags::TRUNC, sys::O_TRUNC),
        (OpenFlags::APPEND, sys::O_APPEND),
        (OpenFlags::NONBLOCK, sys::O_NONBLOCK),
        (OpenFlags::DSYNC, sys::O_DSYNC),
        (OpenFlags::SYNC, sys::O_SYNC),
        (OpenFlags::DIRECT, sys::O_DIRECT),
        (OpenFlags::DIRECTORY, sys::O_DIRECTORY),
    ];
    Ok(map
        .iter()
        .filter(|(linux, _)| flags.contains(*linux))
        .fold(access | sys::O_NOFOLLOW, |acc, (_, netbsd)| acc | netbsd) as i32)
}

/// The handler.
pub fn openat2(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let dirfd = args.int::<0>();
    let (flags, mode, resolve) = copy_how(args.u64::<2>(), args.u64::<3>())?;
    let resolve = check_how(flags, mode, resolve)?;
    let mut path = KernelPath::copy_in(args.u64::<1>())?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let fflags = netbsd_fflags(flags)?;
    let cloexec = flags.contains(OpenFlags::CLOEXEC);
    let tmpfile = flags.contains(OpenFlags::TMPFILE);
    let cmode = ((mode & !u64::from(lwp.umask())) & S_IALLUGO & !S_ISVTX) as u32;
    let follow_last =
        !flags.contains(OpenFlags::NOFOLLOW) && !flags.contains(OpenFlags::CREAT | OpenFlags::EXCL);
    let mut slot = FdSlot::reserve(lwp)?;
    let mut walk = Walk::start(lwp, dirfd, &mut path, resolve)?;
    let mut namebuf = KernelBuf::new(sys::PATH_MAX as usize)?;
    loop {
        let last = walk.walk_to_last()?;
        let Some(range) = last.name else {
            // The path ends at a directory: ".", "..", "/", "d/".
            if tmpfile {
                return Err(Errno::EOPNOTSUPP);
            }
            // Linux's do_open(): O_EXCL finds the directory there.
            if flags.contains(OpenFlags::CREAT | OpenFlags::EXCL) {
                return Err(Errno::EEXIST);
            }
            if flags.contains(OpenFlags::CREAT) {
                return Err(Errno::EISDIR);
            }
            let fd = slot.open(&walk.cur.vnode(), KernelName::DOT, fflags, 0, cloexec)?;
            return Ok(fd as register_t);
        };
        // Linux's open_last_lookups(): with O_CREAT a trailing slash is
        // EISDIR before the name is looked up.
        if last.trailing_slash && flags.contains(OpenFlags::CREAT) {
            return Err(Errno::EISDIR);
        }
        let name = nul_terminated(walk.component(range.clone()), namebuf.as_mut_slice())?;
        let found = match VnodeRef::lookup_in(&walk.cur.vnode(), name) {
            Ok(found) => Some(found),
            Err(e) if e == Errno::ENOENT && flags.contains(OpenFlags::CREAT) => None,
            Err(e) => return Err(e),
        };
        match &found {
            None => {}
            Some(found) => {
                let vnode = found.vnode();
                walk.check_mount(&vnode)?;
                match vnode.vtype() {
                    // A trailing slash follows a link even with
                    // O_NOFOLLOW (Linux sets LOOKUP_FOLLOW for it).
                    sys::vtype_VLNK if follow_last || last.trailing_slash => {
                        walk.follow(&vnode, last.trailing_slash)?;
                        continue;
                    }
                    // Not followed: open(2)'s answers for a link.
                    sys::vtype_VLNK if flags.contains(OpenFlags::CREAT | OpenFlags::EXCL) => {
                        return Err(Errno::EEXIST);
                    }
                    sys::vtype_VLNK if flags.contains(OpenFlags::DIRECTORY) => {
                        return Err(Errno::ENOTDIR);
                    }
                    sys::vtype_VLNK => return Err(Errno::ELOOP),
                    sys::vtype_VDIR if tmpfile => return Err(Errno::EOPNOTSUPP),
                    // NetBSD's vn_open opens an existing directory for
                    // O_CREAT without O_EXCL (and no write access); Linux
                    // refuses it (with O_EXCL vn_open's EEXIST comes first).
                    sys::vtype_VDIR
                        if flags.contains(OpenFlags::CREAT) && !flags.contains(OpenFlags::EXCL) =>
                    {
                        return Err(Errno::EISDIR);
                    }
                    sys::vtype_VDIR => {}
                    _ if last.trailing_slash || tmpfile || flags.contains(OpenFlags::DIRECTORY) => {
                        return Err(Errno::ENOTDIR);
                    }
                    sys::vtype_VSOCK => return Err(Errno::ENXIO),
                    sys::vtype_VREG => {}
                    _ if flags.contains(OpenFlags::PATH) => return Err(Errno::EOPNOTSUPP),
                    _ => {}
                }
            }
        }
        drop(found);
        match slot.open(&walk.cur.vnode(), name, fflags, cmode, cloexec) {
            // A link appeared at the name after the lookup: the name is
            // looked at again, and followed as any link. Each time counts
            // as a link, so that the walk ends.
            Err(e) if e == Errno::EFTYPE => {
                walk.retry_last(range.start)?;
            }
            result => return result.map(|fd| fd as register_t),
        }
    }
}

/// The last component of the path: where its name lies in the walk's
/// buffer (none if the path ends at a directory), and whether slashes
/// follow it.
struct Last {
    name: Option<Range<usize>>,
    trailing_slash: bool,
}

/// A walk down a path, one component at a time.
struct Walk<'l> {
    lwp: &'l Lwp,
    resolve: Resolve,
    /// The walk's root for `BENEATH` and `IN_ROOT`.
    root: Option<VnodeRef>,
    /// The directories gone down through, for `..` in a scoped walk.
    stack: VnodeStack,
    /// The directory the walk is in.
    cur: VnodeRef,
    links: u32,
    /// What is left of the path, at `[at, end)` of `buf`.
    buf: KernelBuf,
    at: usize,
    end: usize,
    /// A link's text, and a NUL-terminated name.
    text: KernelBuf,
    name: KernelBuf,
}

/// What follows `at` in `path`: where the next component starts and ends,
/// whether it is the last one, and whether slashes follow the last one.
fn next_component(path: &[u8], at: usize) -> (Range<usize>, bool, bool) {
    let rest = path.get(at..).unwrap_or_default();
    let skip = rest.iter().take_while(|&&b| b == b'/').count();
    let len = rest.iter().skip(skip).take_while(|&&b| b != b'/').count();
    let after = rest.get(skip + len..).unwrap_or_default();
    let last = after.iter().all(|&b| b == b'/');
    (at + skip..at + skip + len, last, last && !after.is_empty())
}

impl<'l> Walk<'l> {
    fn start(
        lwp: &'l Lwp,
        dirfd: i32,
        path: &mut KernelPath,
        resolve: Resolve,
    ) -> Result<Walk<'l>, Errno> {
        let scoped = resolve.intersects(Resolve::BENEATH | Resolve::IN_ROOT);
        let cur = if path.is_absolute() && !resolve.contains(Resolve::IN_ROOT) {
            if resolve.contains(Resolve::BENEATH) {
                return Err(Errno::EXDEV);
            }
            VnodeRef::root()?
        } else if dirfd == sys::AT_FDCWD {
            VnodeRef::cwd(lwp)
        } else {
            let file = FileRef::get(dirfd)?;
            match file.vnode() {
                Some(v) if v.vtype() == sys::vtype_VDIR => v.reference(),
                _ => return Err(Errno::ENOTDIR),
            }
        };
        let mut buf = KernelBuf::new(sys::PATH_MAX as usize)?;
        let bytes = path.as_bytes();
        let end = bytes.len();
        copy_bytes(buf.as_mut_slice(), 0, bytes)?;
        Ok(Walk {
            lwp,
            resolve,
            root: scoped.then(|| cur.vnode().reference()),
            stack: VnodeStack::new(MAX_DEPTH)?,
            cur,
            links: 0,
            buf,
            at: 0,
            end,
            text: KernelBuf::new(sys::PATH_MAX as usize)?,
            name: KernelBuf::new(sys::PATH_MAX as usize)?,
        })
    }

    fn scoped(&self) -> bool {
        self.root.is_some()
    }

    /// The bytes of a component of the path.
    fn component(&self, range: Range<usize>) -> &[u8] {
        self.buf.as_slice().get(range).unwrap_or_default()
    }

    /// `EXDEV` for `RESOLVE_NO_XDEV` if `to` is on another mount than the
    /// walk's directory.
    fn check_mount(&self, to: &Vnode<'_>) -> Result<(), Errno> {
        if self.resolve.contains(Resolve::NO_XDEV) && !to.same_mount(&self.cur.vnode()) {
            return Err(Errno::EXDEV);
        }
        Ok(())
    }

    /// Walks every component but the last, following links and `..`.
    fn walk_to_last(&mut self) -> Result<Last, Errno> {
        loop {
            let path = self.buf.as_slice().get(..self.end).unwrap_or_default();
            let (range, last, trailing_slash) = next_component(path, self.at);
            let at_dir = Last {
                name: None,
                trailing_slash,
            };
            if range.is_empty() {
                return Ok(at_dir);
            }
            self.at = range.end;
            match self.buf.as_slice().get(range.clone()).unwrap_or_default() {
                b"." if last => return Ok(at_dir),
                b"." => {}
                b".." => {
                    self.dotdot()?;
                    if last {
                        return Ok(at_dir);
                    }
                }
                _ if last => {
                    self.at = self.end;
                    return Ok(Last {
                        name: Some(range),
                        trailing_slash,
                    });
                }
                component => {
                    let name = nul_terminated(component, self.name.as_mut_slice())?;
                    let child = VnodeRef::lookup_in(&self.cur.vnode(), name)?;
                    self.check_mount(&child.vnode())?;
                    match child.vnode().vtype() {
                        sys::vtype_VLNK => self.follow(&child.vnode(), true)?,
                        sys::vtype_VDIR => {
                            let parent = core::mem::replace(&mut self.cur, child);
                            if self.scoped() {
                                self.stack.push(parent)?;
                            }
                        }
                        _ => return Err(Errno::ENOTDIR),
                    }
                }
            }
        }
    }

    /// `..`: back up the stack in a scoped walk (`EXDEV` above the root
    /// for `BENEATH`, the root itself for `IN_ROOT`), else the file
    /// system's parent.
    fn dotdot(&mut self) -> Result<(), Errno> {
        let parent = if self.scoped() {
            match self.stack.pop() {
                Some(parent) => parent,
                None if self.resolve.contains(Resolve::BENEATH) => return Err(Errno::EXDEV),
                None => return Ok(()),
            }
        } else {
            VnodeRef::lookup_in(&self.cur.vnode(), KernelName::DOTDOT)?
        };
        self.check_mount(&parent.vnode())?;
        self.cur = parent;
        Ok(())
    }

    /// Follows link `link`, found in the walk's directory: its text goes
    /// in front of what is left of the path, a slash between them if
    /// `slash` (the link was not the last component, or slashes followed
    /// it).
    fn follow(&mut self, link: &Vnode<'_>, slash: bool) -> Result<(), Errno> {
        if self.resolve.contains(Resolve::NO_SYMLINKS) || self.links >= MAX_LINKS {
            return Err(Errno::ELOOP);
        }
        self.links += 1;
        let text_len = link.readlink(self.lwp.cred(), self.text.as_mut_slice())?;
        if text_len == 0 {
            return Err(Errno::ENOENT);
        }
        let rest = self.at..self.end;
        let slash = slash || !rest.is_empty();
        let total = text_len + usize::from(slash) + rest.len();
        if total >= sys::PATH_MAX as usize {
            return Err(Errno::ENAMETOOLONG);
        }
        // What is left moves to the end of the new path, then the text
        // goes in front of it.
        let buf = self.buf.as_mut_slice();
        move_bytes(buf, rest.clone(), total - rest.len())?;
        if slash {
            copy_bytes(buf, text_len, b"/")?;
        }
        let text = self.text.as_slice().get(..text_len).unwrap_or_default();
        copy_bytes(buf, 0, text)?;
        let absolute = text.first() == Some(&b'/');
        self.at = 0;
        self.end = total;
        if absolute {
            self.jump_to_root()?;
        }
        Ok(())
    }

    /// Looks at the last name again, from `start`: `ELOOP` after as many
    /// tries and links as a walk may follow.
    fn retry_last(&mut self, start: usize) -> Result<(), Errno> {
        if self.links >= MAX_LINKS {
            return Err(Errno::ELOOP);
        }
        self.links += 1;
        self.at = start;
        Ok(())
    }

    /// An absolute link: `EXDEV` for `BENEATH`, the walk's root for
    /// `IN_ROOT`, else the process's root (`EXDEV` for `NO_XDEV` if that
    /// is on another mount).
    fn jump_to_root(&mut self) -> Result<(), Errno> {
        if self.resolve.contains(Resolve::BENEATH) {
            return Err(Errno::EXDEV);
        }
        let root = match &self.root {
            Some(root) => root.vnode().reference(),
            None => VnodeRef::root()?,
        };
        self.check_mount(&root.vnode())?;
        self.stack.clear();
        self.cur = root;
        Ok(())
    }
}

/// Copies `src` into `buf` at `at`; `ENAMETOOLONG` if it does not fit.
fn copy_bytes(buf: &mut [u8], at: usize, src: &[u8]) -> Result<(), Errno> {
    let dst = buf
        .get_mut(at..at.saturating_add(src.len()))
        .ok_or(Errno::ENAMETOOLONG)?;
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
    Ok(())
}

/// Moves the bytes at `from` to start at `to`, the two ranges possibly
/// overlapping (memmove).
fn move_bytes(buf: &mut [u8], from: Range<usize>, to: usize) -> Result<(), Errno> {
    if to.saturating_add(from.len()) > buf.len() || from.end > buf.len() {
        return Err(Errno::ENAMETOOLONG);
    }
    let mut step = |i: usize| -> Option<()> {
        let b = *buf.get(from.start + i)?;
        *buf.get_mut(to + i)? = b;
        Some(())
    };
    let moved = if to > from.start {
        (0..from.len()).rev().try_for_each(&mut step)
    } else {
        (0..from.len()).try_for_each(&mut step)
    };
    moved.ok_or(Errno::ENAMETOOLONG)
}

#[cfg(test)]
#[path = "tests/openat2.rs"]
mod tests;
