//! Open files and their vnodes, held for the length of a system call.

use core::ffi::c_uint;
use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::sys;
use crate::user::{KernelName, KernelPath};

/// A held file descriptor: `fd_getfile` on creation, `fd_putfile` on drop,
/// so every return path releases it.
pub struct FileRef {
    fd: c_uint,
    fp: NonNull<sys::file_t>,
}

impl FileRef {
    /// Holds descriptor `fd` of the calling process; `EBADF` if it is not
    /// open (negative numbers included).
    pub fn get(fd: i32) -> Result<FileRef, Errno> {
        let fd = c_uint::try_from(fd).map_err(|_| Errno::EBADF)?;
        // SAFETY: fd_getfile looks the number up in the caller's table and
        // returns NULL for anything not open.
        let fp = unsafe { sys::fd_getfile(fd) };
        NonNull::new(fp)
            .map(|fp| FileRef { fd, fp })
            .ok_or(Errno::EBADF)
    }

    /// The held file, for kernel functions and shims that take one.
    pub fn as_ptr(&self) -> *mut sys::file_t {
        self.fp.as_ptr()
    }

    /// The file's vnode; `None` for descriptors that are not vnodes.
    pub fn vnode(&self) -> Option<Vnode<'_>> {
        // SAFETY: the held file stays valid until drop.
        let vp = unsafe { sys::clrs_file_vnode(self.fp.as_ptr()) };
        NonNull::new(vp).map(|vp| Vnode {
            vp,
            _file: PhantomData,
        })
    }

    /// The open-file flags (`FREAD`, `FWRITE`, `FAPPEND`, ...).
    pub fn flags(&self) -> u32 {
        // SAFETY: the held file stays valid until drop.
        unsafe { sys::clrs_file_flags(self.fp.as_ptr()) as u32 }
    }

    /// The descriptor's file offset.
    pub fn offset(&self) -> i64 {
        // SAFETY: the held file stays valid until drop; the shim takes its lock.
        unsafe { sys::clrs_file_offset(self.fp.as_ptr()) }
    }

    /// Sets the descriptor's file offset.
    pub fn set_offset(&self, offset: i64) {
        // SAFETY: as for `offset`.
        unsafe { sys::clrs_file_set_offset(self.fp.as_ptr(), offset) }
    }

    /// The ioflag read(2) or, if `write`, write(2) on the file would pass
    /// its vnode (the access hint, `IO_NDELAY`, `IO_SYNC` or `IO_DSYNC` for
    /// `O_SYNC`, `O_DSYNC` or a synchronous mount, `IO_DIRECT`, ...), but
    /// never `IO_APPEND`: the caller picks the offset.
    pub fn ioflags(&self, write: bool) -> i32 {
        // SAFETY: the held file stays valid until drop.
        unsafe { sys::clrs_file_ioflags(self.fp.as_ptr(), write) }
    }

    /// The descriptor number, for kernel functions that take one.
    pub fn number(&self) -> c_uint {
        self.fd
    }

    /// Whether two held descriptors reach one file (one vnode), through one
    /// open file or two.
    pub fn same_vnode(&self, other: &FileRef) -> bool {
        match (self.vnode(), other.vnode()) {
            (Some(a), Some(b)) => a.same_file(&b),
            _ => false,
        }
    }

    /// The credentials the file was opened with.
    pub fn cred(&self) -> Cred<'_> {
        // SAFETY: the held file stays valid until drop, and so does the
        // credential it holds a reference to.
        Cred::new(unsafe { sys::clrs_file_cred(self.fp.as_ptr()) })
    }
}

impl Drop for FileRef {
    fn drop(&mut self) {
        // SAFETY: this FileRef holds exactly one reference from fd_getfile.
        unsafe { sys::fd_putfile(self.fd) }
    }
}

/// Kernel credentials, alive for `'a` (the system call, or the open file
/// that holds them).
#[derive(Clone, Copy)]
pub struct Cred<'a>(sys::kauth_cred_t, PhantomData<&'a ()>);

impl Cred<'_> {
    /// Wraps credentials the kernel handed over.
    pub(crate) fn new(cred: sys::kauth_cred_t) -> Self {
        Cred(cred, PhantomData)
    }

    /// The kernel's pointer, for kernel functions that take a credential.
    pub(crate) fn as_ptr(self) -> sys::kauth_cred_t {
        self.0
    }

    /// The real user ID.
    pub fn uid(self) -> u32 {
        // SAFETY: a live credential.
        unsafe { sys::kauth_cred_getuid(self.0) }
    }

    /// A copy whose effective user and group are the real ones, for
    /// access(2)-style checks; freed on drop.
    pub fn with_real_ids(self) -> RealIds {
        // SAFETY: a live credential; kauth_cred_dup returns a new one this
        // RealIds owns, which is set up before any use.
        unsafe {
            let copy = sys::kauth_cred_dup(self.0);
            sys::kauth_cred_seteuid(copy, sys::kauth_cred_getuid(self.0));
            sys::kauth_cred_setegid(copy, sys::kauth_cred_getgid(self.0));
            RealIds(copy)
        }
    }
}

impl Cred<'_> {
    /// Whether the effective user is root, whom NetBSD's traditional
    /// security model lets change any file's attributes.
    pub fn is_superuser(self) -> bool {
        // SAFETY: a live credential.
        unsafe { sys::kauth_cred_geteuid(self.0) == 0 }
    }

    /// Whether `gid` is the effective or a supplementary group.
    pub fn in_group(self, gid: u32) -> Result<bool, Errno> {
        let mut member = 0;
        // SAFETY: a live credential; the callee writes the local.
        Errno::check(unsafe { sys::kauth_cred_ismember_gid(self.0, gid as _, &mut member) })?;
        Ok(member != 0)
    }
}

/// Credentials with the real IDs as effective ones (`Cred::with_real_ids`).
pub struct RealIds(sys::kauth_cred_t);

impl RealIds {
    /// The credentials, alive as long as this.
    pub fn cred(&self) -> Cred<'_> {
        Cred::new(self.0)
    }
}

impl Drop for RealIds {
    fn drop(&mut self) {
        // SAFETY: the copy kauth_cred_dup made, released once.
        unsafe { sys::kauth_cred_free(self.0) }
    }
}

/// A referenced vnode: `vrele` on drop.
pub struct VnodeRef(NonNull<sys::vnode>);

impl VnodeRef {
    /// References the working directory of the LWP's process.
    pub fn cwd(lwp: &Lwp) -> VnodeRef {
        // SAFETY: the live calling LWP; the shim takes a reference under the
        // working directory lock, and a process always has a working
        // directory, so the pointer is not NULL.
        VnodeRef(unsafe { NonNull::new_unchecked(sys::clrs_lwp_cwd(lwp.as_ptr())) })
    }

    /// Looks `path` up as namei does for a system call (the emulation's
    /// root tried first), relative to `dir` or else the working directory,
    /// following a final symbolic link if `follow`.
    pub fn lookup(
        dir: Option<&Vnode<'_>>,
        path: KernelName<'_>,
        follow: bool,
    ) -> Result<VnodeRef, Errno> {
        VnodeRef::lookup_with(dir, path, follow, true)
    }

    /// Looks a non-empty path up as the `*at` calls do: an absolute path
    /// or `AT_FDCWD` from the root or working directory (the descriptor
    /// ignored, even a bad one), otherwise from the directory `dirfd` is
    /// open on (`EBADF`, `ENOTDIR`).
    pub fn at(dirfd: i32, path: &mut KernelPath, follow: bool) -> Result<VnodeRef, Errno> {
        if path.is_absolute() || dirfd == sys::AT_FDCWD {
            return VnodeRef::lookup(None, path.whole(), follow);
        }
        let dir = FileRef::get(dirfd)?;
        match dir.vnode() {
            Some(vnode) if vnode.vtype() == sys::vtype_VDIR => {
                VnodeRef::lookup(Some(&vnode), path.whole(), follow)
            }
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// The file an empty path names with `AT_EMPTY_PATH`: the working
    /// directory for `AT_FDCWD`, or the file `dirfd` is open on (`EBADF`);
    /// `None` for a descriptor that is not a vnode (a pipe, a socket).
    pub fn of_descriptor(lwp: &Lwp, dirfd: i32) -> Result<Option<VnodeRef>, Errno> {
        if dirfd == sys::AT_FDCWD {
            return Ok(Some(VnodeRef::cwd(lwp)));
        }
        Ok(FileRef::get(dirfd)?.vnode().map(|vnode| vnode.reference()))
    }

    /// The process's root directory, as an absolute path starts from
    /// (`NSM_FOLLOW_NOEMULROOT`: not the emulation's root).
    pub fn root() -> Result<VnodeRef, Errno> {
        VnodeRef::lookup_with(None, KernelName::ROOT, true, false)
    }

    /// One name in directory `dir`, a final symbolic link not followed,
    /// nothing tried under the emulation's root: `VOP_LOOKUP` by way of
    /// namei, with its search permission check and `..` rules.
    pub fn lookup_in(dir: &Vnode<'_>, name: KernelName<'_>) -> Result<VnodeRef, Errno> {
        VnodeRef::lookup_with(Some(dir), name, false, false)
    }

    /// nameiat_simple_kernel with the `NSM_*` flags `follow` and
    /// `emulroot` pick.
    fn lookup_with(
        dir: Option<&Vnode<'_>>,
        path: KernelName<'_>,
        follow: bool,
        emulroot: bool,
    ) -> Result<VnodeRef, Errno> {
        let mut vp = core::ptr::null_mut();
        // SAFETY: the NSM_* constants are the kernel's, set before any
        // module loads and never written; a held directory vnode or NULL,
        // a NUL-terminated kernel path, and a result slot that
        // nameiat_simple_kernel fills with a referenced vnode on success.
        Errno::check(unsafe {
            let flags = match (follow, emulroot) {
                (true, true) => sys::NSM_FOLLOW_TRYEMULROOT,
                (false, true) => sys::NSM_NOFOLLOW_TRYEMULROOT,
                (true, false) => sys::NSM_FOLLOW_NOEMULROOT,
                (false, false) => sys::NSM_NOFOLLOW_NOEMULROOT,
            };
            sys::nameiat_simple_kernel(
                dir.map_or(core::ptr::null_mut(), |d| d.vp.as_ptr()),
                path.as_ptr(),
                flags,
                &mut vp,
            )
        })?;
        NonNull::new(vp).map(VnodeRef).ok_or(Errno::ENOENT)
    }

    /// The vnode.
    pub fn vnode(&self) -> Vnode<'_> {
        Vnode {
            vp: self.0,
            _file: PhantomData,
        }
    }
}

impl Drop for VnodeRef {
    fn drop(&mut self) {
        // SAFETY: releases the reference clrs_lwp_cwd or the lookup took.
        unsafe { sys::vrele(self.0.as_ptr()) }
    }
}

/// A descriptor reserved as open(2) reserves one before it looks the path
/// up (`fd_allocfile`): the lowest free number and a file, given back
/// (`fd_abort`) on drop unless a file was opened into it.
pub struct FdSlot<'l> {
    lwp: &'l Lwp,
    fp: *mut sys::file_t,
    fd: i32,
    affixed: bool,
}

impl<'l> FdSlot<'l> {
    /// Reserves a descriptor of the calling process (`EMFILE`, `ENFILE`).
    pub fn reserve(lwp: &'l Lwp) -> Result<FdSlot<'l>, Errno> {
        let mut fp = core::ptr::null_mut();
        let mut fd = 0;
        // SAFETY: fd_allocfile fills both slots when it returns 0.
        Errno::check(unsafe { sys::fd_allocfile(&mut fp, &mut fd) })?;
        Ok(FdSlot {
            lwp,
            fp,
            fd,
            affixed: false,
        })
    }

    /// Opens `name` in directory `dir` into the descriptor, as open(2)
    /// does (`do_open`): `vn_open` from `dir` with `fflags` (`F*`) and
    /// `cmode` (the umask applied), then the file set up, the descriptor
    /// close-on-exec if asked and made the process's. A file system that
    /// would hand back another descriptor (`EDUPFD`) is `EOPNOTSUPP`. On
    /// an error the descriptor stays reserved.
    pub fn open(
        &mut self,
        dir: &Vnode<'_>,
        name: KernelName<'_>,
        fflags: i32,
        cmode: u32,
        cloexec: bool,
    ) -> Result<i32, Errno> {
        if self.affixed {
            return Err(Errno::EBADF);
        }
        // SAFETY: a NUL-terminated kernel path, which pathbuf_create copies.
        let pb = unsafe { sys::pathbuf_create(name.as_ptr()) };
        if pb.is_null() {
            return Err(Errno::ENOMEM);
        }
        let mut vp = core::ptr::null_mut();
        // SAFETY: a held directory, a pathbuf, no namei flags, checked open
        // flags and mode, a result slot, and NULL for the descriptor slots
        // (a would-be EDUPFD is EOPNOTSUPP then).
        let opened = Errno::check(unsafe {
            sys::vn_open(
                dir.vp.as_ptr(),
                pb,
                0,
                fflags,
                cmode as i32,
                &mut vp,
                core::ptr::null_mut(),
                core::ptr::null_mut(),
            )
        });
        // SAFETY: the pathbuf made above, no longer used.
        unsafe { sys::pathbuf_destroy(pb) };
        opened?;
        // SAFETY: vn_open's vnode, referenced and locked exclusively, whose
        // reference passes to the reserved file; the file is set up before
        // the vnode is unlocked and the descriptor made the process's, as
        // do_open does.
        unsafe {
            sys::clrs_file_set_vnode(self.fp, vp, fflags);
            if cloexec {
                sys::fd_set_exclose(self.lwp.as_ptr(), self.fd, true);
            }
            sys::VOP_UNLOCK(vp);
            sys::fd_affix(self.lwp.process().proc.cast(), self.fp, self.fd as u32);
        }
        self.affixed = true;
        Ok(self.fd)
    }
}

impl Drop for FdSlot<'_> {
    fn drop(&mut self) {
        if !self.affixed {
            // SAFETY: the file and number fd_allocfile reserved, with
            // nothing attached to the file.
            unsafe { sys::fd_abort(self.lwp.process().proc.cast(), self.fp, self.fd as u32) };
        }
    }
}

/// Directories held on the way down a path, to go back up through
/// rather than ask the file system for `..`: each one referenced until it
/// is popped or the stack dropped.
pub struct VnodeStack {
    buf: KernelBuf,
    len: usize,
}

impl VnodeStack {
    const ENTRY: usize = core::mem::size_of::<*mut sys::vnode>();

    /// Room for `depth` directories.
    pub fn new(depth: usize) -> Result<VnodeStack, Errno> {
        Ok(VnodeStack {
            buf: KernelBuf::new(depth * Self::ENTRY)?,
            len: 0,
        })
    }

    /// Pushes a directory; `ENAMETOOLONG` when the stack is full.
    pub fn push(&mut self, dir: VnodeRef) -> Result<(), Errno> {
        let at = self.len * Self::ENTRY;
        let slot = self
            .buf
            .as_mut_slice()
            .get_mut(at..at + Self::ENTRY)
            .ok_or(Errno::ENAMETOOLONG)?;
        for (d, b) in slot.iter_mut().zip((dir.0.as_ptr() as usize).to_ne_bytes()) {
            *d = b;
        }
        core::mem::forget(dir);
        self.len += 1;
        Ok(())
    }

    /// The directory pushed last, with its reference.
    pub fn pop(&mut self) -> Option<VnodeRef> {
        let len = self.len.checked_sub(1)?;
        let at = len * Self::ENTRY;
        let mut word = [0u8; Self::ENTRY];
        for (w, b) in word
            .iter_mut()
            .zip(self.buf.as_slice().get(at..at + Self::ENTRY)?)
        {
            *w = *b;
        }
        self.len = len;
        NonNull::new(usize::from_ne_bytes(word) as *mut sys::vnode).map(VnodeRef)
    }

    /// Drops every directory.
    pub fn clear(&mut self) {
        while self.pop().is_some() {}
    }
}

impl Drop for VnodeStack {
    fn drop(&mut self) {
        self.clear();
    }
}

/// A vnode kept alive by what it was reached through (an open file, a
/// reference).
pub struct Vnode<'f> {
    vp: NonNull<sys::vnode>,
    _file: PhantomData<&'f ()>,
}

impl Vnode<'_> {
    /// The vnode type (`sys::vtype_VREG`, ...).
    pub fn vtype(&self) -> sys::vtype {
        // SAFETY: a vnode held through its file; v_type is stable.
        unsafe { sys::clrs_vnode_type(self.vp.as_ptr()) }
    }

    /// A reference of the vnode's own, kept until the `VnodeRef` drops.
    pub fn reference(&self) -> VnodeRef {
        // SAFETY: a held vnode gets one more reference, which the VnodeRef
        // releases.
        unsafe { sys::vref(self.vp.as_ptr()) };
        VnodeRef(self.vp)
    }

    /// Whether two vnodes are one file.
    pub fn same_file(&self, other: &Vnode<'_>) -> bool {
        self.vp == other.vp
    }

    /// The flags of the mount the vnode is on (`MNT_RDONLY`, ...).
    pub fn mount_flags(&self) -> u32 {
        // SAFETY: a held vnode; the shim reads its mount's flags.
        unsafe { sys::clrs_vnode_mount_flags(self.vp.as_ptr()) as u32 }
    }

    /// Whether two vnodes are on one mounted file system.
    pub fn same_mount(&self, other: &Vnode<'_>) -> bool {
        // SAFETY: held vnodes; the shim reads v_mount, which is only
        // compared here, never followed.
        unsafe {
            core::ptr::eq(
                sys::clrs_vnode_mount(self.vp.as_ptr()),
                sys::clrs_vnode_mount(other.vp.as_ptr()),
            )
        }
    }

    /// The largest file size the file system declares
    /// (`_PC_FILESIZEBITS`: a signed size of that many bits).
    pub fn max_file_size(&self) -> Result<i64, Errno> {
        self.lock_shared().max_file_size()
    }

    /// The file's size.
    pub fn size(&self, cred: Cred<'_>) -> Result<i64, Errno> {
        self.lock_shared().attr(cred).map(|attr| attr.ca_size)
    }

    /// Reads into `buf` from `offset`; returns the bytes read (0 at EOF).
    pub fn read_at(
        &self,
        lwp: &Lwp,
        buf: &mut [u8],
        offset: i64,
        cred: Cred<'_>,
    ) -> Result<usize, Errno> {
        self.rdwr(
            lwp,
            sys::uio_rw_UIO_READ,
            buf.as_mut_ptr(),
            buf.len(),
            offset,
            0,
            cred,
        )
    }

    /// Writes `buf` at `offset` with `ioflags` (`FileRef::ioflags`);
    /// returns the bytes written.
    pub fn write_at(
        &self,
        lwp: &Lwp,
        buf: &[u8],
        offset: i64,
        ioflags: i32,
        cred: Cred<'_>,
    ) -> Result<usize, Errno> {
        self.rdwr(
            lwp,
            sys::uio_rw_UIO_WRITE,
            buf.as_ptr().cast_mut(),
            buf.len(),
            offset,
            ioflags,
            cred,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn rdwr(
        &self,
        lwp: &Lwp,
        rw: sys::uio_rw,
        base: *mut u8,
        len: usize,
        offset: i64,
        ioflags: i32,
        cred: Cred<'_>,
    ) -> Result<usize, Errno> {
        let len = len.min(i32::MAX as usize);
        let mut resid = 0;
        // SAFETY: a held vnode, a kernel buffer of at least `len` bytes
        // (UIO_SYSSPACE), a live credential and the calling LWP; vn_rdwr
        // locks the vnode itself and reports what it did not transfer.
        Errno::check(unsafe {
            sys::vn_rdwr(
                rw,
                self.vp.as_ptr(),
                base.cast(),
                len as i32,
                offset,
                sys::uio_seg_UIO_SYSSPACE,
                ioflags,
                cred.0,
                &mut resid,
                lwp.as_ptr(),
            )
        })?;
        Ok(len - resid.min(len))
    }

    /// vn_rdwr of user memory (`UIO_USERSPACE`) under the caller's lock:
    /// at most `i32::MAX` bytes, which no caller exceeds (Linux's
    /// `MAX_RW_COUNT` is below it).
    #[allow(clippy::too_many_arguments)]
    fn rdwr_user(
        &self,
        lwp: &Lwp,
        rw: sys::uio_rw,
        addr: u64,
        len: usize,
        offset: i64,
        ioflags: i32,
        cred: Cred<'_>,
    ) -> Moved {
        let len = len.min(i32::MAX as usize);
        let mut resid = len;
        // SAFETY: a vnode locked by the caller's guard (IO_NODELOCKED), a
        // user address that vn_rdwr reaches only through the calling
        // process's vmspace (uiomove fails with EFAULT where it cannot), a
        // live credential and the calling LWP; resid is written back.
        let error = Errno::check(unsafe {
            sys::vn_rdwr(
                rw,
                self.vp.as_ptr(),
                addr as usize as *mut core::ffi::c_void,
                len as i32,
                offset,
                sys::uio_seg_UIO_USERSPACE,
                ioflags | sys::IO_NODELOCKED as i32,
                cred.0,
                &mut resid,
                lwp.as_ptr(),
            )
        })
        .err();
        Moved {
            bytes: len - resid.min(len),
            error,
        }
    }

    /// The text of a symbolic link, into `buf`: its length (`ENAMETOOLONG`
    /// if it does not fit).
    pub fn readlink(&self, cred: Cred<'_>, buf: &mut [u8]) -> Result<usize, Errno> {
        let _lock = self.lock_shared();
        let mut len = buf.len();
        // SAFETY: the vnode is locked (the guard), as VOP_READLINK requires;
        // a kernel buffer of `len` bytes; a live credential.
        Errno::check(unsafe {
            sys::clrs_vnode_readlink(self.vp.as_ptr(), cred.0, buf.as_mut_ptr().cast(), &mut len)
        })?;
        if len >= buf.len() {
            return Err(Errno::ENAMETOOLONG);
        }
        Ok(len)
    }

    /// `VOP_ACCESS` for the `VREAD`/`VWRITE`/`VEXEC` bits in `accmode`
    /// (none: 0), the vnode locked shared.
    pub fn access(&self, accmode: u32, cred: Cred<'_>) -> Result<(), Errno> {
        if accmode == 0 {
            return Ok(());
        }
        // SAFETY: a held vnode, locked shared around VOP_ACCESS as it
        // requires (LK_RETRY: always succeeds), and a live credential.
        Errno::check(unsafe {
            sys::vn_lock(self.vp.as_ptr(), (sys::LK_SHARED | sys::LK_RETRY) as i32);
            let error = sys::VOP_ACCESS(self.vp.as_ptr(), accmode, cred.0);
            sys::VOP_UNLOCK(self.vp.as_ptr());
            error
        })
    }

    /// Locks the vnode exclusively until the guard is dropped.
    pub fn lock_exclusive(&self) -> VnodeLock<'_, Exclusive> {
        self.lock(sys::LK_EXCLUSIVE)
    }

    /// Locks the vnode shared until the guard is dropped.
    pub fn lock_shared(&self) -> VnodeLock<'_, Shared> {
        self.lock(sys::LK_SHARED)
    }

    fn lock<M>(&self, mode: u32) -> VnodeLock<'_, M> {
        // SAFETY: a held vnode; with LK_RETRY vn_lock always takes the lock
        // (on a revoked vnode too) and returns 0.
        unsafe { sys::vn_lock(self.vp.as_ptr(), (mode | sys::LK_RETRY) as i32) };
        VnodeLock {
            vnode: self,
            _mode: PhantomData,
        }
    }

    /// Syncs the vnode's file system and waits for it.
    pub fn sync_filesystem(&self, cred: Cred<'_>) -> Result<(), Errno> {
        // SAFETY: a held vnode and a live credential; the shim takes and
        // drops the mount's locks.
        Errno::check(unsafe { sys::clrs_vnode_syncfs(self.vp.as_ptr(), cred.0) })
    }
}

/// A vnode lock held shared.
pub enum Shared {}
/// A vnode lock held exclusively.
pub enum Exclusive {}

/// A locked vnode, shared or exclusive as `M` says; `VOP_UNLOCK` on drop.
pub struct VnodeLock<'v, M> {
    vnode: &'v Vnode<'v>,
    _mode: PhantomData<M>,
}

/// What `VOP_GETATTR` says of a file, as far as the handlers ask.
pub type Attr = sys::clrs_attr;

/// A part of a transfer between a file and user memory: the bytes moved,
/// and the error that ended it early, if any (`EFAULT` for user memory
/// that cannot be reached, or the file's own).
pub struct Moved {
    /// Bytes moved.
    pub bytes: usize,
    /// What stopped the transfer before the end, if anything did.
    pub error: Option<Errno>,
}

impl<M> VnodeLock<'_, M> {
    /// The file's size and append-only flag.
    pub fn attr(&self, cred: Cred<'_>) -> Result<Attr, Errno> {
        let mut attr = Attr {
            ca_size: 0,
            ca_uid: 0,
            ca_gid: 0,
            ca_append_only: false,
            ca_immutable: false,
        };
        // SAFETY: the vnode is locked, as VOP_GETATTR requires; a live
        // credential; the shim writes the local.
        Errno::check(unsafe { sys::clrs_vnode_attr(self.vnode.vp.as_ptr(), cred.0, &mut attr) })?;
        Ok(attr)
    }

    /// The largest file size the file system declares
    /// (`_PC_FILESIZEBITS`: a signed size of that many bits).
    pub fn max_file_size(&self) -> Result<i64, Errno> {
        let mut bits: sys::register_t = 0;
        // SAFETY: the vnode is locked, as VOP_PATHCONF requires; the shim
        // writes the local.
        Errno::check(unsafe { sys::clrs_vnode_filesize_bits(self.vnode.vp.as_ptr(), &mut bits) })?;
        Ok(match bits {
            ..=1 => 0,
            2..=63 => (1i64 << (bits - 1)) - 1,
            _ => i64::MAX,
        })
    }

    /// Reads `len` bytes at `offset` of the file into user memory at
    /// `addr`, under this lock (`IO_NODELOCKED`) with `ioflags`.
    pub fn read_user(
        &self,
        lwp: &Lwp,
        addr: u64,
        len: usize,
        offset: i64,
        ioflags: i32,
        cred: Cred<'_>,
    ) -> Moved {
        self.vnode
            .rdwr_user(lwp, sys::uio_rw_UIO_READ, addr, len, offset, ioflags, cred)
    }
}

impl VnodeLock<'_, Exclusive> {
    /// Sets the permission bits (`07777`) as chmod(2) does.
    pub fn set_mode(&self, cred: Cred<'_>, mode: u32) -> Result<(), Errno> {
        // SAFETY: the vnode is locked exclusively, as VOP_SETATTR requires,
        // and the credential is live.
        Errno::check(unsafe { sys::clrs_vnode_setmode(self.vnode.vp.as_ptr(), cred.0, mode as _) })
    }

    /// `VOP_FSYNC` of the byte range `[lo, hi)` (`0, 0`: the whole file).
    pub fn fsync(&self, cred: Cred<'_>, flags: u32, lo: i64, hi: i64) -> Result<(), Errno> {
        // SAFETY: the vnode is locked exclusively, as VOP_FSYNC requires,
        // and the credential is live.
        Errno::check(unsafe {
            sys::VOP_FSYNC(self.vnode.vp.as_ptr(), cred.0, flags as i32, lo, hi)
        })
    }

    /// Writes `len` bytes of user memory at `addr` to the file at
    /// `offset`, under this lock (`IO_NODELOCKED`) with `ioflags`.
    #[allow(clippy::too_many_arguments)]
    pub fn write_user(
        &self,
        lwp: &Lwp,
        addr: u64,
        len: usize,
        offset: i64,
        ioflags: i32,
        cred: Cred<'_>,
    ) -> Moved {
        self.vnode
            .rdwr_user(lwp, sys::uio_rw_UIO_WRITE, addr, len, offset, ioflags, cred)
    }
}

impl<M> Drop for VnodeLock<'_, M> {
    fn drop(&mut self) {
        // SAFETY: this guard holds the lock taken by vn_lock.
        unsafe { sys::VOP_UNLOCK(self.vnode.vp.as_ptr()) };
    }
}

/// A buffer from kmem_alloc(9), freed on drop: large copies go through the
/// kernel heap, never the stack.
pub struct KernelBuf {
    ptr: NonNull<u8>,
    len: usize,
}

impl KernelBuf {
    /// `len` bytes (not 0), sleeping until they are available.
    /// `KM_SLEEP` allocations do not fail; `ENOMEM` is only a guard.
    pub fn new(len: usize) -> Result<KernelBuf, Errno> {
        // SAFETY: a sleeping allocation in system call context.
        let ptr = unsafe { sys::kmem_alloc(len, sys::KM_SLEEP) };
        NonNull::new(ptr.cast())
            .map(|ptr| KernelBuf { ptr, len })
            .ok_or(Errno::ENOMEM)
    }

    /// The buffer's bytes, to read.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `len` bytes owned by this buffer until drop.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The buffer's bytes.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: `len` bytes owned by this buffer until drop.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for KernelBuf {
    fn drop(&mut self) {
        // SAFETY: allocated by kmem_alloc with this length.
        unsafe { sys::kmem_free(self.ptr.as_ptr().cast(), self.len) }
    }
}
