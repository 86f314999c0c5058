//! What process_vm_readv(2) and process_vm_writev(2) share: the order of
//! Linux's checks (`process_vm_rw`, `process_vm_rw_core`,
//! `mm/process_vm_access.c` of Linux 6.x), the target process's address
//! space held as NetBSD's ptrace(2) and `kern.proc_args` hold one
//! (`clrs_proc_vmspace` in `ffi/shim.c`), and the transfer.
//!
//! Linux moves the bytes in order, walking the local and the remote
//! vectors side by side, and stops at the first byte it cannot move: a
//! remote page it cannot pin (unmapped, or not writable for a write; the
//! whole page) or a local byte it cannot copy (unmapped, or not writable
//! for a read). It returns the bytes moved, and `EFAULT` only if there are
//! none. Here the bytes go through a kernel buffer of [`CHUNK`] bytes:
//! a piece that does not move whole is moved again page by page, where
//! a page is one of either side, so that exactly the bytes before the
//! first fault are moved. NetBSD's `copyin_vmspace`, `copyout_vmspace`
//! (`uvm_io(9)` without `UVM_IO_FIXPROT`: a read-only page is not written,
//! as Linux does not force a write), `copyin` and `copyout` say only
//! whether a whole range moved.

use core::ptr::NonNull;

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::file::KernelBuf;
use crate::iovec::{Buffers, Iovecs, Segment, in_user_space};
use crate::lwp::Lwp;
use crate::sys::{self, register_t};
use crate::user::UserAddr;

/// The kernel buffer's size: copy_file_range's, the same trade-off.
pub const CHUNK: usize = crate::copy_file_range::CHUNK;

const PAGE_SIZE: u64 = sys::PAGE_SIZE as u64;

/// Which way the bytes go.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the other process into the caller (process_vm_readv).
    Read,
    /// From the caller into the other process (process_vm_writev).
    Write,
}

/// Both calls: `(pid, local_iov, liovcnt, remote_iov, riovcnt, flags)`.
pub fn process_vm(
    lwp: &Lwp,
    args: &SyscallArgs,
    direction: Direction,
) -> Result<register_t, Errno> {
    let pid = args.int::<0>();
    if args.u64::<5>() != 0 {
        return Err(Errno::EINVAL);
    }
    let user_end = lwp.user_space_end();
    let local = Iovecs::copy_in(args.u64::<1>(), args.u64::<2>(), Buffers::Checked, user_end)?;
    if local.total() == 0 {
        return Ok(0);
    }
    let remote = Iovecs::copy_in(args.u64::<3>(), args.u64::<4>(), Buffers::AsGiven, user_end)?;
    // Linux counts the remote pages to pin first: none, nothing to do.
    if remote.total() == 0 {
        return Ok(0);
    }
    let target = Target::hold(lwp, pid)?;
    let moved = transfer(&target, &local, &remote, direction)?;
    if moved == 0 {
        return Err(Errno::EFAULT);
    }
    Ok(moved as register_t)
}

/// Another process's address space, referenced while held, and where
/// its user space ends.
pub struct Target {
    vm: NonNull<sys::vmspace>,
    end: u64,
}

impl Target {
    /// The address space of process (or thread) `pid`, if the caller may
    /// reach it: `ESRCH`, `EPERM` (see `clrs_proc_vmspace`).
    pub fn hold(lwp: &Lwp, pid: i32) -> Result<Target, Errno> {
        let mut vm = core::ptr::null_mut();
        // SAFETY: the live calling LWP and a place for the pointer, which
        // the shim sets, referenced, when it returns 0.
        Errno::check(unsafe { sys::clrs_proc_vmspace(lwp.as_ptr(), pid, &mut vm) })?;
        let vm = NonNull::new(vm).ok_or(Errno::ESRCH)?;
        // SAFETY: a referenced vmspace; the shim reads its map's bounds.
        let end = unsafe { sys::clrs_vmspace_end(vm.as_ptr()) } as u64;
        Ok(Target { vm, end })
    }

    /// Whether `len` bytes at `addr` lie in the target's user space: uvm_io
    /// moves nothing at or past its end, and returns 0 for that part.
    fn reaches(&self, addr: u64, len: usize) -> Result<(), Errno> {
        if in_user_space(addr, len as u64, self.end) {
            Ok(())
        } else {
            Err(Errno::EFAULT)
        }
    }

    /// Copies `buf.len()` bytes at `addr` of the target into `buf`.
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.reaches(addr, buf.len())?;
        // SAFETY: a referenced vmspace; copyin_vmspace writes at most
        // buf.len() bytes into `buf` and checks the target's range itself.
        Errno::check(unsafe {
            sys::copyin_vmspace(
                self.vm.as_ptr(),
                addr as usize as *const core::ffi::c_void,
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        })
    }

    /// Copies `buf` to `addr` of the target.
    fn write(&self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        self.reaches(addr, buf.len())?;
        // SAFETY: a referenced vmspace; copyout_vmspace reads buf.len()
        // bytes of `buf` and checks the target's range itself.
        Errno::check(unsafe {
            sys::copyout_vmspace(
                self.vm.as_ptr(),
                buf.as_ptr().cast(),
                addr as usize as *mut core::ffi::c_void,
                buf.len(),
            )
        })
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        // SAFETY: the reference clrs_proc_vmspace took, dropped once.
        unsafe { sys::uvmspace_free(self.vm.as_ptr()) }
    }
}

/// A place in a vector: the element, and how far into it.
struct Cursor<'a> {
    iovecs: &'a Iovecs,
    index: usize,
    done: u64,
}

impl<'a> Cursor<'a> {
    fn new(iovecs: &'a Iovecs) -> Cursor<'a> {
        Cursor {
            iovecs,
            index: 0,
            done: 0,
        }
    }

    /// What is left of the current element, skipping empty ones; `None`
    /// at the end.
    fn current(&mut self) -> Option<Segment> {
        while self.index < self.iovecs.count() {
            let Segment { base, len } = self.iovecs.get(self.index);
            if self.done < len {
                return Some(Segment {
                    base: base.wrapping_add(self.done),
                    len: len - self.done,
                });
            }
            self.index += 1;
            self.done = 0;
        }
        None
    }

    fn advance(&mut self, n: u64) {
        self.done += n;
    }
}

/// Moves bytes until either vector ends or a fault; the bytes moved.
fn transfer(
    target: &Target,
    local: &Iovecs,
    remote: &Iovecs,
    direction: Direction,
) -> Result<u64, Errno> {
    let total = local.total().min(remote.total());
    let mut buf = KernelBuf::new(CHUNK.min(total as usize))?;
    let buf = buf.as_mut_slice();
    let (mut mine, mut theirs) = (Cursor::new(local), Cursor::new(remote));
    let mut moved = 0u64;
    while let (Some(l), Some(r)) = (mine.current(), theirs.current()) {
        let n = (buf.len() as u64).min(l.len).min(r.len) as usize;
        let Some(piece) = buf.get_mut(..n) else {
            break;
        };
        let done = match direction {
            Direction::Read => read_piece(target, r.base, l.base, piece),
            Direction::Write => write_piece(target, l.base, r.base, piece),
        };
        moved += done as u64;
        if done < n {
            break;
        }
        mine.advance(done as u64);
        theirs.advance(done as u64);
    }
    Ok(moved)
}

/// From the target's `from` to the caller's `to`, through `buf`; the
/// bytes moved before the first fault.
fn read_piece(target: &Target, from: u64, to: u64, buf: &mut [u8]) -> usize {
    let read = match target.read(from, buf) {
        Ok(()) => buf.len(),
        Err(_) => prefix(from, buf.len(), |at, range| {
            buf.get_mut(range)
                .map_or(Err(Errno::EFAULT), |b| target.read(at, b))
        }),
    };
    let Some(got) = buf.get(..read) else {
        return 0;
    };
    match UserAddr::new(to).write_from(got) {
        Ok(()) => read,
        Err(_) => prefix(to, read, |at, range| {
            got.get(range)
                .map_or(Err(Errno::EFAULT), |b| UserAddr::new(at).write_from(b))
        }),
    }
}

/// From the caller's `from` to the target's `to`, through `buf`.
fn write_piece(target: &Target, from: u64, to: u64, buf: &mut [u8]) -> usize {
    let read = match UserAddr::new(from).read_into(buf) {
        Ok(()) => buf.len(),
        Err(_) => prefix(from, buf.len(), |at, range| {
            buf.get_mut(range)
                .map_or(Err(Errno::EFAULT), |b| UserAddr::new(at).read_into(b))
        }),
    };
    let Some(got) = buf.get(..read) else {
        return 0;
    };
    match target.write(to, got) {
        Ok(()) => read,
        Err(_) => prefix(to, read, |at, range| {
            got.get(range)
                .map_or(Err(Errno::EFAULT), |b| target.write(at, b))
        }),
    }
}

/// How many of the `len` bytes at `addr` `op` moves, page by page from the
/// start (a page of the address space `addr` belongs to), up to the first
/// page it fails on. `op` gets each page's address and its range in the
/// piece.
fn prefix(
    addr: u64,
    len: usize,
    mut op: impl FnMut(u64, core::ops::Range<usize>) -> Result<(), Errno>,
) -> usize {
    let mut done = 0;
    while done < len {
        let at = addr.wrapping_add(done as u64);
        let to_page_end = (PAGE_SIZE - at % PAGE_SIZE) as usize;
        let n = to_page_end.min(len - done);
        if op(at, done..done + n).is_err() {
            break;
        }
        done += n;
    }
    done
}

#[cfg(test)]
#[path = "tests/process_vm.rs"]
mod tests;
