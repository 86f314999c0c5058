//! Benchmarks, run by `make bench` rather than `make test`. They measure
//! the handlers in the user-space kernel model on this Linux host: figures
//! for choosing between designs, not NetBSD timings.
//!
//! - copy_file_range on tmpfs, for 4 KiB, 1 MiB and 256 MiB files: through
//!   the module's table entry, a user-space pread/pwrite loop with the same
//!   buffer size, and the host kernel's own copy_file_range; then the
//!   module's copy with other buffer sizes, from which [`CHUNK`] is chosen.
//! - Each handler's cost per call against the model's kernel functions that
//!   do its work, called directly with ready arguments inside the model's
//!   kernel. In the model a copyin or copyout is a process_vm_readv/writev
//!   system call and a descriptor lookup an fstat, so they dominate the
//!   difference, as they would not in a kernel.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::args::SyscallArgs;
use crate::copy_file_range::{self, CHUNK};
use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::model::{self, ModelLwp};
use crate::sys::{self, register_t};
use crate::table::{self, Handler};

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;
const FILE_SIZES: [usize; 3] = [4 * KIB, MIB, 256 * MIB];
const BUFFER_SIZES: [usize; 5] = [4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB];
const MIN_TIME: Duration = Duration::from_millis(100);

/// A folder on tmpfs, removed on drop.
struct TmpfsDir(PathBuf);

impl TmpfsDir {
    fn new() -> TmpfsDir {
        let dir = PathBuf::from(format!("/dev/shm/clrs-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TmpfsDir(dir)
    }

    fn file(&self, name: &str) -> File {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(self.0.join(name))
            .unwrap()
    }
}

impl Drop for TmpfsDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Seconds per run of `f`: the mean over at least three runs and
/// [`MIN_TIME`], after a warm-up run; the best of three such rounds, since
/// other work on the host only ever slows a round down.
fn seconds_per_run(mut f: impl FnMut()) -> f64 {
    f();
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let mut runs = 0u32;
        while runs < 3 || start.elapsed() < MIN_TIME {
            f();
            runs += 1;
        }
        best = best.min(start.elapsed().as_secs_f64() / f64::from(runs));
    }
    best
}

fn size_name(bytes: usize) -> String {
    match bytes {
        b if b >= MIB => format!("{} MiB", b / MIB),
        b => format!("{} KiB", b / KIB),
    }
}

/// Copies `len` bytes from offset 0 of `src` to offset 0 of `dst` with a
/// copy_file_range-like `call`, repeated until all are copied.
fn copy_all(src: &File, dst: &File, len: usize, mut call: impl FnMut([u64; 6]) -> i64) {
    let mut copied = 0;
    while copied < len {
        let (mut off_in, mut off_out) = (copied as i64, copied as i64);
        let regs = [
            src.as_raw_fd() as u64,
            &raw mut off_in as u64,
            dst.as_raw_fd() as u64,
            &raw mut off_out as u64,
            (len - copied) as u64,
            0,
        ];
        let n = call(regs);
        assert!(n > 0, "copy_file_range returned {n}");
        copied += n as usize;
    }
}

/// A copy through the module's handler with a `N`-byte buffer.
fn with_buffer<const N: usize>(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    copy_file_range::copy_through_buffer(lwp, args, N)
}

/// Calls `handler` as the dispatcher does; the result, or the errno
/// negated.
fn dispatch(lwp: &ModelLwp, handler: Handler, regs: [u64; 6]) -> i64 {
    let frame = regs.map(|r| r as register_t);
    let mut retval: register_t = 0;
    // SAFETY: a model LWP, six argument registers and a result slot.
    match unsafe { table::dispatch(lwp.as_ptr(), frame.as_ptr().cast(), &mut retval, handler) } {
        0 => retval,
        error => -i64::from(error),
    }
}

fn module_copy(lwp: &ModelLwp, handler: Handler) -> impl FnMut(&File, &File, usize) {
    move |src, dst, len| copy_all(src, dst, len, |regs| dispatch(lwp, handler, regs))
}

fn read_write_copy(src: &File, dst: &File, len: usize, buf: &mut [u8]) {
    let mut at = 0;
    while at < len {
        let want = buf.len().min(len - at);
        let got = src.read_at(&mut buf[..want], at as u64).unwrap();
        assert!(got > 0);
        dst.write_all_at(&buf[..got], at as u64).unwrap();
        at += got;
    }
}

fn host_copy(src: &File, dst: &File, len: usize) {
    copy_all(src, dst, len, |regs| {
        model::host(copy_file_range::NR, regs).unwrap()
    });
}

/// MB/s of `copy` on `len`-byte files, after checking that it copies.
fn throughput(
    src: &File,
    dst: &File,
    len: usize,
    expected: &[u8],
    mut copy: impl FnMut(&File, &File, usize),
) -> f64 {
    dst.set_len(0).unwrap();
    copy(src, dst, len);
    let mut got = vec![0u8; len];
    dst.read_exact_at(&mut got, 0).unwrap();
    assert!(got == expected[..len], "the copy differs");
    len as f64 / 1e6 / seconds_per_run(|| copy(src, dst, len))
}

fn pseudo_random(len: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
#[ignore = "benchmark: make bench"]
fn copy_file_range_throughput() {
    let dir = TmpfsDir::new();
    let lwp = ModelLwp::on_cpu(0);
    let data = pseudo_random(*FILE_SIZES.iter().max().unwrap());
    let (src, dst) = (dir.file("src"), dir.file("dst"));
    src.write_all_at(&data, 0).unwrap();
    let table_entry = |src: &File, dst: &File, len: usize| {
        copy_all(src, dst, len, |regs| {
            match model::call(&lwp, copy_file_range::NR, regs) {
                (0, n) => n,
                (error, _) => -i64::from(error),
            }
        })
    };

    println!(
        "\ncopy_file_range on tmpfs, MB/s (module and read/write buffer {}; host: Linux's own)",
        size_name(CHUNK)
    );
    println!(
        "{:>9} {:>9} {:>11} {:>9} {:>10} {:>12}",
        "file", "module", "read/write", "host", "module/rw", "module/host"
    );
    // Page-aligned like the kernel buffer: a misaligned buffer makes the
    // host's own copies several times slower.
    let mut page_aligned = vec![0u8; CHUNK + 4096];
    let skip = page_aligned.as_ptr().align_offset(4096);
    let buffer = &mut page_aligned[skip..skip + CHUNK];
    for len in FILE_SIZES {
        let module = throughput(&src, &dst, len, &data, table_entry);
        let rw = throughput(&src, &dst, len, &data, |src, dst, len| {
            read_write_copy(src, dst, len, buffer)
        });
        let host = throughput(&src, &dst, len, &data, host_copy);
        println!(
            "{:>9} {module:>9.0} {rw:>11.0} {host:>9.0} {:>10.2} {:>12.2}",
            size_name(len),
            module / rw,
            module / host
        );
    }

    println!(
        "\nmodule copy by buffer size, MB/s (CHUNK is {})",
        size_name(CHUNK)
    );
    print!("{:>9}", "buffer");
    for len in FILE_SIZES {
        print!(" {:>9}", size_name(len));
    }
    println!();
    let handlers: [Handler; 5] = [
        with_buffer::<{ 4 * KIB }>,
        with_buffer::<{ 16 * KIB }>,
        with_buffer::<{ 64 * KIB }>,
        with_buffer::<{ 256 * KIB }>,
        with_buffer::<MIB>,
    ];
    for (buffer, handler) in BUFFER_SIZES.into_iter().zip(handlers) {
        print!("{:>9}", size_name(buffer));
        for len in FILE_SIZES {
            let rate = throughput(&src, &dst, len, &data, module_copy(&lwp, handler));
            print!(" {rate:>9.0}");
        }
        println!();
    }
}

/// Nanoseconds per call of `f`.
fn nanoseconds_per_call(mut f: impl FnMut()) -> f64 {
    const BATCH: u32 = 100;
    seconds_per_run(|| {
        for _ in 0..BATCH {
            f();
        }
    }) * 1e9
        / f64::from(BATCH)
}

/// One handler's cost against the kernel work it wraps, with the number of
/// copyin/copyout calls the handler makes beyond those of the direct call.
fn overhead(name: &str, direct_is: &str, mut handler: impl FnMut(), mut direct: impl FnMut()) {
    let copies = |f: &mut dyn FnMut()| {
        model::trace_reset();
        f();
        model::trace().user_copies
    };
    let extra_copies = copies(&mut handler).saturating_sub(copies(&mut direct));
    let through_module = nanoseconds_per_call(handler);
    // Inside the model's kernel, as a call through the table entry is.
    let direct = nanoseconds_per_call(|| {
        // SAFETY: enters and leaves the model's kernel around the call.
        unsafe { sys::model_kernel_enter() };
        direct();
        // SAFETY: as above.
        unsafe { sys::model_kernel_exit() };
    });
    println!(
        "{name:>16} {through_module:>7.0} {direct:>7.0} {:>8.0} {extra_copies:>6}  {direct_is}",
        through_module - direct
    );
}

/// fd_getfile, then `f` on the file's vnode and credential, then
/// fd_putfile: the descriptor handling every descriptor handler needs.
fn on_vnode(fd: &impl AsRawFd, f: impl FnOnce(*mut sys::vnode, sys::kauth_cred_t) -> i32) {
    let fd = fd.as_raw_fd() as u32;
    // SAFETY: an open descriptor of this process, held until fd_putfile.
    let error = unsafe {
        let fp = sys::fd_getfile(fd);
        assert!(!fp.is_null());
        let error = f(sys::clrs_file_vnode(fp), sys::clrs_file_cred(fp));
        sys::fd_putfile(fd);
        error
    };
    assert_eq!(error, 0);
}

#[test]
#[ignore = "benchmark: make bench"]
fn per_call_overhead() {
    let dir = TmpfsDir::new();
    let lwp = ModelLwp::on_cpu(0);
    let l = lwp.as_ptr();
    let ok = |nr: u16, regs: [u64; 6]| {
        let (error, _) = model::call(&lwp, nr, regs);
        assert_eq!(error, 0, "system call {nr}");
    };
    let file = dir.file("file");
    file.write_all_at(&[7; 4 * KIB], 0).unwrap();
    let copy = dir.file("copy");
    let fd = |f: &File| f.as_raw_fd() as u64;

    let (word, mut into) = (1u64, 0u64);
    // SAFETY: copies between two live words of this process.
    let copy_ns = nanoseconds_per_call(|| unsafe {
        sys::copyin((&raw const word).cast(), (&raw mut into).cast(), 8);
    });
    println!(
        "\nper call, ns: through the module's table entry vs the kernel model's functions; \
         one model copyin/copyout {copy_ns:.0} ns"
    );
    println!(
        "{:>16} {:>7} {:>7} {:>8} {:>6}  direct call",
        "handler", "module", "direct", "overhead", "copies"
    );

    let (mut cpu, mut node) = (0u32, 0u32);
    let cpu_regs = [&raw mut cpu as u64, &raw mut node as u64, 0, 0, 0, 0];
    overhead(
        "getcpu",
        "clrs_lwp_cpu",
        || ok(crate::getcpu::NR, cpu_regs),
        // SAFETY: a live model LWP and two result slots.
        || unsafe { sys::clrs_lwp_cpu(l, &mut cpu, &mut node) },
    );

    let write_wait = 2 | 4; // SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER
    overhead(
        "sync_file_range",
        "fd_getfile, vn_lock, VOP_FSYNC, VOP_UNLOCK, fd_putfile",
        || {
            ok(
                crate::sync_file_range::NR,
                [fd(&file), 0, 4096, write_wait, 0, 0],
            )
        },
        || {
            on_vnode(&file, |vp, cred| {
                let flags = (sys::FSYNC_DATAONLY | sys::FSYNC_WAIT) as i32;
                // SAFETY: a held vnode, locked around VOP_FSYNC.
                unsafe {
                    sys::vn_lock(vp, (sys::LK_EXCLUSIVE | sys::LK_RETRY) as i32);
                    let error = sys::VOP_FSYNC(vp, cred, flags, 0, 4096);
                    sys::VOP_UNLOCK(vp);
                    error
                }
            })
        },
    );

    overhead(
        "syncfs",
        "fd_getfile, clrs_vnode_syncfs, fd_putfile",
        || ok(crate::syncfs::NR, [fd(&file), 0, 0, 0, 0, 0]),
        // SAFETY: a held vnode and its file's credential.
        || {
            on_vnode(&file, |vp, cred| unsafe {
                sys::clrs_vnode_syncfs(vp, cred)
            })
        },
    );

    let names = [c"a", c"b"].map(|name| {
        let path = dir.0.join(name.to_str().unwrap());
        std::ffi::CString::new(path.into_os_string().into_encoded_bytes()).unwrap()
    });
    std::fs::write(dir.0.join("a"), b"").unwrap();
    let at_fdcwd = (-100i64) as u64;
    // Each call renames "a" to "b" or back.
    let flip = std::cell::Cell::new(false);
    let next = || {
        let from = flip.get();
        flip.set(!from);
        (&names[from as usize], &names[!from as usize])
    };
    overhead(
        "renameat2",
        "sys___posix_rename",
        || {
            let (from, to) = next();
            let (from, to) = (from.as_ptr() as u64, to.as_ptr() as u64);
            ok(crate::renameat2::NR, [at_fdcwd, from, at_fdcwd, to, 0, 0]);
        },
        || {
            let (from, to) = next();
            let regs = [
                from.as_ptr() as register_t,
                to.as_ptr() as register_t,
                0,
                0,
                0,
                0,
            ];
            let mut retval = [0; 2];
            // SAFETY: a live model LWP, registers laid out as
            // sys___posix_rename_args and a result slot.
            let error =
                unsafe { sys::sys___posix_rename(l, regs.as_ptr().cast(), retval.as_mut_ptr()) };
            assert_eq!(error, 0);
        },
    );

    let mut off_in = 0i64;
    let mut off_out = 0i64;
    let copy_regs = [
        fd(&file),
        &raw mut off_in as u64,
        fd(&copy),
        &raw mut off_out as u64,
        4096,
        0,
    ];
    let mut buf = vec![0u8; 4096];
    overhead(
        "copy_file_range",
        "4 KiB: fd_getfile x2, vn_rdwr read and write, fd_putfile x2",
        || ok(copy_file_range::NR, copy_regs),
        || {
            on_vnode(&file, |vin, cred_in| {
                let mut error = 0;
                on_vnode(&copy, |vout, cred_out| {
                    let mut resid = 0;
                    let base = buf.as_mut_ptr().cast();
                    // SAFETY: held vnodes, a 4 KiB buffer in "kernel" space,
                    // live credentials and the model LWP.
                    error = unsafe {
                        sys::vn_rdwr(
                            sys::uio_rw_UIO_READ,
                            vin,
                            base,
                            4096,
                            0,
                            sys::uio_seg_UIO_SYSSPACE,
                            0,
                            cred_in,
                            &mut resid,
                            l,
                        ) | sys::vn_rdwr(
                            sys::uio_rw_UIO_WRITE,
                            vout,
                            base,
                            4096,
                            0,
                            sys::uio_seg_UIO_SYSSPACE,
                            0,
                            cred_out,
                            &mut resid,
                            l,
                        )
                    };
                    error
                });
                error
            })
        },
    );

    let clone_args: [u64; 11] = [
        0x4100, // CLONE_VM | CLONE_VFORK
        0,
        0,
        0,
        17, // SIGCHLD
        0x7000_0000_0000,
        0x10_0000,
        0,
        0,
        0,
        0,
    ];
    overhead(
        "clone3",
        "linux_sys_clone (the model records the call)",
        || {
            ok(
                crate::clone3::NR,
                [clone_args.as_ptr() as u64, 88, 0, 0, 0, 0],
            )
        },
        || {
            let regs: [register_t; 6] = [0x4111, 0x7000_0010_0000, 0, 0, 0, 0];
            let mut retval = [0; 2];
            // SAFETY: a live model LWP, registers laid out as
            // linux_sys_clone_args and a result slot.
            let error =
                unsafe { sys::linux_sys_clone(l, regs.as_ptr().cast(), retval.as_mut_ptr()) };
            assert_eq!(error, 0);
        },
    );

    // Where the renames left the file.
    let path = &names[flip.get() as usize];
    let read_ok = 4;
    overhead(
        "faccessat2",
        "nameiat_simple_kernel, VOP_ACCESS, vrele",
        || {
            ok(
                crate::faccessat2::NR,
                [at_fdcwd, path.as_ptr() as u64, read_ok, 0, 0, 0],
            )
        },
        // SAFETY: a NUL-terminated kernel path, the vnode the lookup
        // returns referenced, locked around VOP_ACCESS and released, and a
        // live model LWP's credential.
        || unsafe {
            let mut vp = std::ptr::null_mut();
            let flags = sys::NSM_FOLLOW_TRYEMULROOT;
            assert_eq!(
                sys::nameiat_simple_kernel(std::ptr::null_mut(), path.as_ptr(), flags, &mut vp),
                0
            );
            sys::vn_lock(vp, (sys::LK_SHARED | sys::LK_RETRY) as i32);
            assert_eq!(sys::VOP_ACCESS(vp, sys::VREAD, sys::clrs_lwp_cred(l)), 0);
            sys::VOP_UNLOCK(vp);
            sys::vrele(vp);
        },
    );

    let set = model::SemSet::new(1);
    // Up by one and down again: never waits, leaves the value 0.
    let ops: [i16; 6] = [0, 1, 0, 0, -1, 0];
    let timeout = [1i64, 0];
    let sem_regs = [
        set.0 as u64,
        ops.as_ptr() as u64,
        2,
        timeout.as_ptr() as u64,
        0,
        0,
    ];
    let direct_name = if cfg!(netbsd_semtimedop) {
        "sys_semtimedop"
    } else {
        "sys_semop (the module polls on NetBSD 10)"
    };
    overhead(
        "semtimedop",
        direct_name,
        || ok(crate::semtimedop::NR, sem_regs),
        || {
            let regs = sem_regs.map(|r| r as register_t);
            let mut retval = [0; 2];
            // SAFETY: a live model LWP, registers laid out as the native
            // call's arguments and a result slot.
            let error = unsafe { direct_semop(l, regs.as_ptr().cast(), retval.as_mut_ptr()) };
            assert_eq!(error, 0);
        },
    );
}

#[cfg(not(netbsd_semtimedop))]
use sys::sys_semop as direct_semop;
#[cfg(netbsd_semtimedop)]
use sys::sys_semtimedop as direct_semop;
