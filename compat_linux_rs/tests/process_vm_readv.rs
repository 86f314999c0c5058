//! Tests of `process_vm_readv.rs` (and of `process_vm.rs`, which it runs):
//! the module through the model against the host's own process_vm_readv,
//! this test process being the other process (a model process that stands
//! for the host one, with its memory and credential), or a child.

use super::*;
use crate::model::{
    self, Iov, ModelLwp, NOBODY, PAGE, PROT_NONE, PROT_READ, Pages, assert_balanced, iov,
};
use crate::sys;

fn host_linux(result: Result<i64, i32>) -> i64 {
    result.unwrap_or_else(|e| -i64::from(e))
}

/// An address nothing is mapped at (the first page never is).
const UNMAPPED: u64 = 16;

fn pid() -> u64 {
    u64::from(std::process::id())
}

/// process_vm_readv(pid, local, remote, flags) through the module, from an
/// LWP of the model's first process, or `lwp`.
fn module(lwp: &ModelLwp, pid: u64, local: &[Iov], remote: &[Iov], flags: u64) -> i64 {
    model::trace_reset();
    let regs = [
        pid,
        local.as_ptr() as u64,
        local.len() as u64,
        remote.as_ptr() as u64,
        remote.len() as u64,
        flags,
    ];
    let result = model::linux_value(model::call(lwp, NR, regs));
    assert_balanced();
    assert_eq!(model::trace().allocated, 0, "a buffer left");
    result
}

fn host(pid: u64, local: &[Iov], remote: &[Iov], flags: u64) -> i64 {
    let regs = [
        pid,
        local.as_ptr() as u64,
        local.len() as u64,
        remote.as_ptr() as u64,
        remote.len() as u64,
        flags,
    ];
    host_linux(model::host(NR, regs))
}

/// Reads `remote` of this process into two fresh buffers laid out as
/// `local` describes (offsets and lengths in a buffer of `len` bytes), by
/// the module and by the host, and checks that both give the same result
/// and the same bytes.
fn same(local: &[(usize, usize)], remote: &[Iov], len: usize) -> i64 {
    let lwp = ModelLwp::on_cpu(0);
    let (mut a, mut b) = (vec![0xeeu8; len], vec![0xeeu8; len]);
    let at = |buf: &mut Vec<u8>| -> Vec<Iov> {
        local
            .iter()
            .map(|&(off, n)| iov(buf.as_mut_ptr() as u64 + off as u64, n))
            .collect()
    };
    let (la, lb) = (at(&mut a), at(&mut b));
    let got = module(&lwp, pid(), &la, remote, 0);
    let want = host(pid(), &lb, remote, 0);
    assert_eq!(got, want, "module vs host: {local:?} {remote:x?}");
    assert!(a == b, "the bytes read differ");
    got
}

#[test]
fn reads_another_process_in_order_across_vectors() {
    let pages = Pages::new(40);
    // Local and remote cut in different places, a chunk of the kernel
    // buffer crossed, empty elements skipped.
    let remote = [
        iov(pages.at(10), 0),
        iov(pages.at(100), 70_000),
        iov(0, 0),
        iov(pages.at(5), 3),
        iov(pages.at(90_000), 50_000),
    ];
    let local = [
        (0, 5),
        (5, 0),
        (5, 100_000),
        (100_005, 20_000),
        (120_005, 10),
    ];
    assert_eq!(same(&local, &remote, 200_000), 120_003);
}

#[test]
fn a_remote_fault_stops_at_the_page_before_it() {
    for (what, damage) in [("a hole", None), ("PROT_NONE", Some(PROT_NONE))] {
        let pages = Pages::new(6);
        match damage {
            None => pages.unmap(3),
            Some(prot) => pages.protect(3, prot),
        }
        // From page 1 on: pages 1 and 2 are read, page 3 is not.
        let remote = [iov(pages.at(PAGE + 7), 5 * PAGE)];
        assert_eq!(
            same(&[(0, 5 * PAGE)], &remote, 5 * PAGE),
            (2 * PAGE - 7) as i64,
            "{what}"
        );
        // Across vectors: the first element whole, the second up to it.
        let remote = [
            iov(pages.at(0), 100),
            iov(pages.at(2 * PAGE + 10), 2 * PAGE),
        ];
        assert_eq!(
            same(&[(0, 8000)], &remote, 8000),
            100 + PAGE as i64 - 10,
            "{what}"
        );
        // Nothing at all: EFAULT.
        let remote = [iov(pages.at(3 * PAGE + 1), 10)];
        assert_eq!(same(&[(0, 10)], &remote, 10), -14, "{what}");
    }
}

#[test]
fn a_local_fault_stops_at_the_byte_before_it() {
    let pages = Pages::new(4);
    let source = Pages::new(4);
    pages.protect(2, PROT_READ);
    let remote = [iov(source.at(0), 3 * PAGE)];
    let lwp = ModelLwp::on_cpu(0);
    // The local buffer runs into a read-only page: the bytes before it.
    let local = [iov(pages.at(2 * PAGE - 30), 100)];
    assert_eq!(module(&lwp, pid(), &local, &remote, 0), 30);
    assert_eq!(host(pid(), &local, &remote, 0), 30);
    // A second local element that faults at once: the first one's bytes.
    let local = [iov(pages.at(0), 50), iov(pages.at(2 * PAGE), 10)];
    assert_eq!(module(&lwp, pid(), &local, &remote, 0), 50);
    assert_eq!(host(pid(), &local, &remote, 0), 50);
    assert_eq!(pages.get(49), source.get(49));
}

#[test]
fn the_end_of_the_target_user_space_is_a_fault() {
    // uvm_io moves nothing at or past it and says so with 0: the module
    // must not take that for bytes read.
    let end = 0x7fff_ffff_f000u64;
    for remote in [
        [iov(end - 10, 100)],
        [iov(end, 10)],
        [iov(u64::MAX - 4, 10)],
    ] {
        assert_eq!(same(&[(0, 100)], &remote, 100), -14, "{remote:x?}");
    }
}

#[test]
fn checks_come_in_linux_order() {
    let pages = Pages::new(2);
    let lwp = ModelLwp::on_cpu(0);
    let mut buf = [0u8; 64];
    let good_local = [iov(buf.as_mut_ptr() as u64, 64)];
    let good_remote = [iov(pages.at(0), 64)];
    let nowhere = 0x3fff_ffffu64; // no such process
    let hole = UNMAPPED;
    let too_many = vec![iov(buf.as_mut_ptr() as u64, 1); 1025];
    let negative = [iov(buf.as_mut_ptr() as u64, usize::MAX)];
    // The vectors' addresses, short enough for one case a line.
    let (lgood, rgood, many, neg) = (
        good_local.as_ptr() as u64,
        good_remote.as_ptr() as u64,
        too_many.as_ptr() as u64,
        negative.as_ptr() as u64,
    );
    let upper = 0xffff_ffff << 32;
    let wide = upper | 1;
    for (what, pid, local, lcount, remote, rcount, flags) in [
        ("flags first", nowhere, hole, 1, hole, 1, 1),
        ("flags, upper half too", nowhere, hole, 1, hole, 1, 1 << 32),
        ("1025 local", nowhere, many, 1025, hole, 1, 0),
        // Linux's import_iovec takes the local count as an unsigned int,
        // iovec_from_user the remote one as an unsigned long.
        ("local count in 32 bits", nowhere, many, wide, hole, 1, 0),
        ("remote count in 64 bits", nowhere, lgood, 1, many, wide, 0),
        ("unreadable local", nowhere, hole, 1, hole, 1, 0),
        ("negative local", nowhere, neg, 1, hole, 1, 0),
        ("nothing to read: 0", nowhere, lgood, 0, hole, 1025, 0),
        ("1025 remote", nowhere, lgood, 1, many, 1025, 0),
        ("unreadable remote", nowhere, lgood, 1, hole, 1, 0),
        ("negative remote", nowhere, lgood, 1, neg, 1, 0),
        ("no remote: 0", nowhere, lgood, 1, hole, 0, 0),
        ("no such process", nowhere, lgood, 1, rgood, 1, 0),
        ("pid 0", 0, lgood, 1, rgood, 1, 0),
        ("pid -1", u64::MAX, lgood, 1, rgood, 1, 0),
        ("pid's upper half", pid() | upper, lgood, 1, rgood, 1, 0),
    ] {
        let regs = [pid, local, lcount, remote, rcount, flags];
        model::trace_reset();
        let got = model::linux_value(model::call(&lwp, NR, regs));
        assert_balanced();
        assert_eq!(got, host_linux(model::host(NR, regs)), "{what}");
    }
}

#[test]
fn a_fault_in_the_array_and_a_negative_length_before_it() {
    // Two elements, the second on an unmapped page: Linux reads them in
    // order, so a negative first length is EINVAL, a good one EFAULT.
    let pages = Pages::new(2);
    pages.unmap(1);
    let array = pages.at(PAGE - 16);
    let mut buf = [0u8; 8];
    let lwp = ModelLwp::on_cpu(0);
    for (len, want) in [(u64::MAX, -22), (8, -14)] {
        pages.put(PAGE - 16, &(buf.as_mut_ptr() as u64).to_ne_bytes());
        pages.put(PAGE - 8, &len.to_ne_bytes());
        let remote = [iov(pages.at(0), 8)];
        let regs = [pid(), array, 2, remote.as_ptr() as u64, 1, 0];
        assert_eq!(model::linux_value(model::call(&lwp, NR, regs)), want);
        assert_eq!(host_linux(model::host(NR, regs)), want);
    }
}

#[test]
fn local_buffers_must_lie_in_user_space_before_anything_moves() {
    let pages = Pages::new(1);
    let mut buf = [0u8; 16];
    let remote = [iov(pages.at(0), 16)];
    // A second local element past the end of user space: EFAULT, and the
    // first one not written either.
    let local = [
        iov(buf.as_mut_ptr() as u64, 8),
        iov(0xffff_8000_0000_0000, 8),
    ];
    let lwp = ModelLwp::on_cpu(0);
    assert_eq!(module(&lwp, pid(), &local, &remote, 0), -14);
    assert_eq!(host(pid(), &local, &remote, 0), -14);
    assert_eq!(buf, [0; 16]);
    // One element is cut to MAX_RW_COUNT before its check, several are
    // checked whole (1 << 62 bytes reach past the end).
    let one = [iov(buf.as_mut_ptr() as u64, 1 << 62)];
    assert_eq!(module(&lwp, pid(), &one, &remote, 0), 16);
    assert_eq!(host(pid(), &one, &remote, 0), 16);
    let two = [
        iov(buf.as_mut_ptr() as u64, 8),
        iov(buf.as_mut_ptr() as u64, 1 << 62),
    ];
    assert_eq!(module(&lwp, pid(), &two, &remote, 0), -14);
    assert_eq!(host(pid(), &two, &remote, 0), -14);
}

#[test]
fn permission_is_ptrace_attach() {
    let pages = Pages::new(1);
    let mut buf = [0u8; 8];
    let local = [iov(buf.as_mut_ptr() as u64, 8)];
    let remote = [iov(pages.at(0), 8)];
    let lwp = ModelLwp::on_cpu(0);
    // As nobody, another (root's) process: EPERM, as on the host.
    lwp.set_ids(NOBODY, NOBODY);
    assert_eq!(module(&lwp, pid(), &local, &remote, 0), -1);
    let parent = pid();
    let host_errno = model::in_child(|| {
        // SAFETY: the child only changes its IDs and makes the call.
        assert_eq!(unsafe { setresuid(NOBODY, NOBODY, NOBODY) }, 0);
        (-host(parent, &local, &remote, 0)) as i32
    });
    assert_eq!(host_errno, 1);
    // Its own memory needs no permission: the same address space.
    lwp.set_host_process(std::process::id() as i32);
    assert_eq!(module(&lwp, pid(), &local, &remote, 0), 8);
    // A process of the same real user ID, which has not changed IDs.
    let other = ModelLwp::on_cpu(1);
    other.set_process(4242, c"other");
    // SAFETY: the model's process table.
    unsafe {
        sys::model_proc_set_cred(4242, &model::ids(NOBODY, NOBODY));
        sys::model_proc_set_flags(4242, false, false);
    }
    let plain = ModelLwp::on_cpu(0);
    plain.set_ids(NOBODY, NOBODY);
    // Fake processes have no memory: EFAULT, but past the permission.
    assert_eq!(module(&plain, 4242, &local, &remote, 0), -14);
    // SAFETY: as above.
    unsafe { sys::model_proc_set_flags(4242, true, false) };
    assert_eq!(module(&plain, 4242, &local, &remote, 0), -1, "PK_SUGID");
    plain.set_ids(0, 0);
    assert_eq!(module(&plain, 4242, &local, &remote, 0), -14, "root may");
    // A system process is not found; its address space is never used.
    // SAFETY: as above.
    unsafe { sys::model_proc_set_flags(4242, false, true) };
    assert_eq!(module(&plain, 4242, &local, &remote, 0), -3);
    assert_eq!(model::trace().vmspace_ios, 0);
    // SAFETY: as above.
    unsafe { sys::model_process_exit(4242) };
}

unsafe extern "C" {
    fn setresuid(r: u32, e: u32, s: u32) -> i32;
    fn fork() -> i32;
    fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
    fn pipe(fds: *mut [i32; 2]) -> i32;
    fn read(fd: i32, buf: *mut u8, len: usize) -> isize;
    fn close(fd: i32) -> i32;
    fn _exit(status: i32) -> !;
}

#[test]
fn a_child_process_and_one_that_has_exited() {
    let mut fds = [0i32; 2];
    // SAFETY: a pipe; the child waits on it, then exits.
    assert_eq!(unsafe { pipe(&mut fds) }, 0);
    let secret = *b"in the child";
    // SAFETY: the child only reads the pipe and exits.
    let child = unsafe { fork() };
    if child == 0 {
        let mut byte = 0u8;
        // SAFETY: the child's own pipe ends and byte: it waits for the
        // parent to close the write end.
        unsafe {
            close(fds[1]);
            read(fds[0], &mut byte, 1);
            _exit(i32::from(secret[0]))
        }
    }
    let mut buf = [0u8; 12];
    let local = [iov(buf.as_mut_ptr() as u64, 12)];
    let remote = [iov(secret.as_ptr() as u64, 12)];
    let lwp = ModelLwp::on_cpu(0);
    assert_eq!(module(&lwp, child as u64, &local, &remote, 0), 12);
    assert_eq!(&buf, b"in the child");
    // SAFETY: lets the child exit; it stays a zombie until waited for.
    unsafe { close(fds[1]) };
    std::thread::sleep(std::time::Duration::from_millis(100));
    // The model takes the exit from the host, as linuxrun has it do
    // before each call: a zombie is not found.
    crate::pidfd_model::pending();
    assert_eq!(module(&lwp, child as u64, &local, &remote, 0), -3);
    assert_eq!(host(child as u64, &local, &remote, 0), -3);
    let mut status = 0;
    // SAFETY: reaps the child.
    assert_eq!(unsafe { waitpid(child, &mut status, 0) }, child);
    // SAFETY: the read end.
    unsafe { close(fds[0]) };
}

#[test]
fn an_exec_of_the_target_is_waited_out() {
    let pages = Pages::new(1);
    let mut buf = [0u8; 8];
    let local = [iov(buf.as_mut_ptr() as u64, 8)];
    let remote = [iov(pages.at(0), 8)];
    let lwp = ModelLwp::on_cpu(0);
    let me = std::process::id() as i32;
    // The model's process for this one, found once, then held as an
    // exec holds it.
    assert_eq!(module(&lwp, pid(), &local, &remote, 0), 8);
    // SAFETY: the model's process table.
    unsafe { sys::model_proc_hold_exec(me, true) };
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(60));
    });
    let start = std::time::Instant::now();
    // The call waits a tick at a time: let the exec end from here after
    // the first waits, through the trace's count.
    let waiter = std::thread::spawn(move || {
        let lwp = ModelLwp::on_cpu(1);
        let mut buf = [0u8; 8];
        let local = [iov(buf.as_mut_ptr() as u64, 8)];
        let got = module(
            &lwp,
            u64::from(me as u32),
            &local,
            &[iov(remote[0][0], 8)],
            0,
        );
        (got, model::trace().kpauses)
    });
    releaser.join().unwrap();
    // SAFETY: as above.
    unsafe { sys::model_proc_hold_exec(me, false) };
    let (got, waits) = waiter.join().unwrap();
    assert_eq!(got, 8);
    assert!(
        waits >= 2 && start.elapsed() >= std::time::Duration::from_millis(50),
        "{waits} waits"
    );
}

#[test]
fn a_signal_ends_the_wait_for_an_exec() {
    let pages = Pages::new(1);
    let me = std::process::id() as i32;
    let lwp = ModelLwp::on_cpu(0);
    let mut buf = [0u8; 8];
    let local = [iov(buf.as_mut_ptr() as u64, 8)];
    let remote = [iov(pages.at(0), 8)];
    assert_eq!(module(&lwp, pid(), &local, &remote, 0), 8);
    model::catch_signal(10); // SIGUSR1, which the model posts
    // SAFETY: the model's process table.
    unsafe { sys::model_proc_hold_exec(me, true) };
    let waiter = std::thread::spawn(move || {
        let lwp = ModelLwp::on_cpu(1);
        let mut buf = [0u8; 8];
        let local = [iov(buf.as_mut_ptr() as u64, 8)];
        model::trace_reset();
        // SAFETY: this thread's trace.
        unsafe { (*sys::model_trace()).signal_at_kpause = 3 };
        let regs = [
            pid(),
            local.as_ptr() as u64,
            1,
            remote.as_ptr() as u64,
            1,
            0,
        ];
        let got = model::linux_value(model::call(&lwp, NR, regs));
        assert_balanced();
        (got, model::trace().kpauses)
    });
    let (got, waits) = waiter.join().unwrap();
    // SAFETY: as above.
    unsafe { sys::model_proc_hold_exec(me, false) };
    assert_eq!((got, waits), (-4, 3), "EINTR at the third wait");
}
