//! Open files and their vnodes, held for the length of a system call.

use core::ffi::c_uint;
use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::errno::Errno;
use crate::sys;

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

    /// The file's vnode; `None` for descriptors that are not vnodes.
    pub fn vnode(&self) -> Option<Vnode<'_>> {
        // SAFETY: the held file stays valid until drop.
        let vp = unsafe { sys::clrs_file_vnode(self.fp.as_ptr()) };
        NonNull::new(vp).map(|vp| Vnode {
            vp,
            _file: PhantomData,
        })
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
}

/// A vnode kept alive by the open file it was reached through.
pub struct Vnode<'f> {
    vp: NonNull<sys::vnode>,
    _file: PhantomData<&'f FileRef>,
}

impl Vnode<'_> {
    /// The vnode type (`sys::vtype_VREG`, ...).
    pub fn vtype(&self) -> sys::vtype {
        // SAFETY: a vnode held through its file; v_type is stable.
        unsafe { sys::clrs_vnode_type(self.vp.as_ptr()) }
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
