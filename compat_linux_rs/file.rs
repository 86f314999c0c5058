//! Open files and their vnodes, held for the length of a system call.

use core::ffi::c_uint;
use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::sys;
use crate::user::KernelName;

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

    /// The `IO_SYNC` or `IO_DSYNC` that write(2) on the file would use
    /// (`O_SYNC`, `O_DSYNC`, a synchronous mount), for `Vnode::write_at`.
    pub fn write_ioflags(&self) -> i32 {
        // SAFETY: the held file stays valid until drop.
        unsafe { sys::clrs_file_ioflags(self.fp.as_ptr()) }
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
        let mut vp = core::ptr::null_mut();
        // SAFETY: a held directory vnode or NULL, a NUL-terminated kernel
        // path, and a result slot that nameiat_simple_kernel fills with a
        // referenced vnode when it returns 0. The NSM_* flags are kernel
        // constants.
        Errno::check(unsafe {
            let flags = if follow {
                sys::NSM_FOLLOW_TRYEMULROOT
            } else {
                sys::NSM_NOFOLLOW_TRYEMULROOT
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
        let mut bits: sys::register_t = 0;
        // SAFETY: a held vnode; the shim locks it for VOP_PATHCONF and
        // writes the local.
        Errno::check(unsafe { sys::clrs_vnode_filesize_bits(self.vp.as_ptr(), &mut bits) })?;
        Ok(match bits {
            ..=1 => 0,
            2..=63 => (1i64 << (bits - 1)) - 1,
            _ => i64::MAX,
        })
    }

    /// The file's size.
    pub fn size(&self, cred: Cred<'_>) -> Result<i64, Errno> {
        let mut size = 0;
        // SAFETY: a held vnode and a live credential; the shim locks the
        // vnode for VOP_GETATTR and writes the local.
        Errno::check(unsafe { sys::clrs_vnode_size(self.vp.as_ptr(), cred.0, &mut size) })?;
        Ok(size)
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

    /// Writes `buf` at `offset` with `ioflags` (`FileRef::write_ioflags`);
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
    pub fn lock_exclusive(&self) -> VnodeLock<'_> {
        // SAFETY: a held vnode; with LK_RETRY vn_lock always takes the lock
        // (on a revoked vnode too) and returns 0.
        unsafe { sys::vn_lock(self.vp.as_ptr(), (sys::LK_EXCLUSIVE | sys::LK_RETRY) as i32) };
        VnodeLock { vnode: self }
    }

    /// Syncs the vnode's file system and waits for it.
    pub fn sync_filesystem(&self, cred: Cred<'_>) -> Result<(), Errno> {
        // SAFETY: a held vnode and a live credential; the shim takes and
        // drops the mount's locks.
        Errno::check(unsafe { sys::clrs_vnode_syncfs(self.vp.as_ptr(), cred.0) })
    }
}

/// An exclusively locked vnode; `VOP_UNLOCK` on drop.
pub struct VnodeLock<'v> {
    vnode: &'v Vnode<'v>,
}

impl VnodeLock<'_> {
    /// `VOP_FSYNC` of the byte range `[lo, hi)` (`0, 0`: the whole file).
    pub fn fsync(&self, cred: Cred<'_>, flags: u32, lo: i64, hi: i64) -> Result<(), Errno> {
        // SAFETY: the vnode is locked exclusively, as VOP_FSYNC requires,
        // and the credential is live.
        Errno::check(unsafe {
            sys::VOP_FSYNC(self.vnode.vp.as_ptr(), cred.0, flags as i32, lo, hi)
        })
    }
}

impl Drop for VnodeLock<'_> {
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
