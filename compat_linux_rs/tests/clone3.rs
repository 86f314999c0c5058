//! Tests of `clone3.rs`.

use super::*;
use crate::model::{self, ModelLwp, host_in_child, linux_errno, trace, trace_reset};

const SIGCHLD: u64 = 17;
const STACK: u64 = 0x7000_0000_0000;
const STACK_SIZE: u64 = 0x10_0000;

/// A `struct clone_args` in a page of its own, followed by zeros.
struct Args(Box<[u64; 512]>);

impl Args {
    fn new(fields: [u64; 11]) -> Args {
        let mut page = Box::new([0u64; 512]);
        page[..11].copy_from_slice(&fields);
        Args(page)
    }
    fn addr(&self) -> u64 {
        self.0.as_ptr() as u64
    }
}

fn fields(flags: CloneFlags, exit_signal: u64, stack: u64, stack_size: u64) -> [u64; 11] {
    [
        flags.bits(),
        0,
        0x1000,
        0x2000,
        exit_signal,
        stack,
        stack_size,
        0x3000,
        0,
        0,
        0,
    ]
}

/// The module's answer: (errno, retval), and the clone(2) arguments it
/// passed on, if it called clone(2).
fn module(addr: u64, size: u64) -> (i32, register_t, Option<[register_t; 5]>) {
    let lwp = ModelLwp::on_cpu(0);
    trace_reset();
    let (error, retval) = model::call(&lwp, NR, [addr, size, 0, 0, 0, 0]);
    let t = trace();
    assert_eq!(t.clones, u32::from(error == 0));
    (error, retval, (t.clones == 1).then_some(t.clone_args))
}

/// A call Linux rejects: the module fails the same way, before clone(2).
fn rejected_like_linux(addr: u64, size: u64) -> i32 {
    let (error, _, cloned) = module(addr, size);
    assert!(cloned.is_none(), "{addr:x} {size}: cloned");
    assert_ne!(error, 0);
    assert_eq!(
        Err(linux_errno(error)),
        host_in_child(NR, [addr, size, 0, 0, 0, 0]),
        "{addr:x} {size}"
    );
    error
}

#[test]
fn pthread_create_becomes_a_thread_clone() {
    let flags = CloneFlags::VM
        | CloneFlags::FS
        | CloneFlags::FILES
        | CloneFlags::SIGHAND
        | CloneFlags::THREAD
        | CloneFlags::SYSVSEM
        | CloneFlags::SETTLS
        | CloneFlags::PARENT_SETTID
        | CloneFlags::CHILD_CLEARTID;
    let args = Args::new(fields(flags, 0, STACK, STACK_SIZE));
    let (error, retval, cloned) = module(args.addr(), 88);
    assert_eq!((error, retval), (0, sys::MODEL_CHILD_TID as register_t));
    let passed = (flags - CloneFlags::SYSVSEM).bits() as register_t;
    let top = (STACK + STACK_SIZE) as register_t;
    assert_eq!(cloned, Some([passed, top, 0x2000, 0x1000, 0x3000]));
}

#[test]
fn posix_spawn_becomes_a_vfork_clone() {
    let args = Args::new(fields(
        CloneFlags::VM | CloneFlags::VFORK,
        SIGCHLD,
        STACK,
        STACK_SIZE,
    ));
    let (error, _, cloned) = module(args.addr(), 88);
    assert_eq!(error, 0);
    let flags = (CloneFlags::VM | CloneFlags::VFORK).bits() | SIGCHLD;
    assert_eq!(
        cloned.unwrap()[..2],
        [flags as register_t, (STACK + STACK_SIZE) as register_t]
    );
}

#[test]
fn fork_without_a_stack() {
    let args = Args::new(fields(CloneFlags::empty(), SIGCHLD, 0, 0));
    for size in [64, 80, 88, 4096] {
        let (error, _, cloned) = module(args.addr(), size);
        assert_eq!(error, 0, "size {size}");
        assert_eq!(cloned.unwrap()[..2], [SIGCHLD as register_t, 0]);
    }
}

#[test]
fn short_structures_are_zero_extended() {
    // Only the first 64 bytes count: set_tid beyond them is not read.
    let set_tid = [7u32];
    let mut f = fields(CloneFlags::empty(), SIGCHLD, 0, 0);
    f[8] = set_tid.as_ptr() as u64;
    f[9] = 1;
    let args = Args::new(f);
    assert_eq!(module(args.addr(), 64).0, 0);
    assert_eq!(
        module(args.addr(), 88).0,
        sys::ENOSYS as i32,
        "set_tid now read"
    );
}

#[test]
fn sizes_are_checked_like_linux() {
    let args = Args::new(fields(CloneFlags::empty(), SIGCHLD, 0, 0));
    assert_eq!(rejected_like_linux(args.addr(), 0), sys::EINVAL as i32);
    assert_eq!(rejected_like_linux(args.addr(), 63), sys::EINVAL as i32);
    assert_eq!(rejected_like_linux(args.addr(), 4097), sys::E2BIG as i32);
    assert_eq!(
        rejected_like_linux(args.addr(), (1 << 32) | 88),
        sys::E2BIG as i32
    );
    let mut tail = Args::new(fields(CloneFlags::empty(), SIGCHLD, 0, 0));
    tail.0[300] = 1;
    assert_eq!(rejected_like_linux(tail.addr(), 4096), sys::E2BIG as i32);
    assert_eq!(
        module(tail.addr(), 2400).0,
        0,
        "the non-zero word lies past 2400 bytes"
    );
}

#[test]
fn unreadable_structures_are_efault() {
    assert_eq!(rejected_like_linux(8, 88), sys::EFAULT as i32);
    assert_eq!(
        rejected_like_linux(0xffff_8000_0000_0000, 64),
        sys::EFAULT as i32
    );
}

#[test]
fn invalid_arguments_are_einval_like_linux() {
    let f = |flags: CloneFlags, signal, stack, size| fields(flags, signal, stack, size);
    let thread = CloneFlags::VM | CloneFlags::SIGHAND | CloneFlags::THREAD;
    let mut cases = vec![
        f(CloneFlags::empty(), 65, 0, 0),
        f(CloneFlags::empty(), 0x100 | SIGCHLD, 0, 0),
        f(CloneFlags::DETACHED, SIGCHLD, 0, 0),
        f(
            CloneFlags::VM | CloneFlags::SIGHAND | CloneFlags::CLEAR_SIGHAND,
            0,
            0,
            0,
        ),
        f(thread, SIGCHLD, STACK, STACK_SIZE),
        f(CloneFlags::PARENT, SIGCHLD, 0, 0),
        f(CloneFlags::empty(), SIGCHLD, STACK, 0),
        f(CloneFlags::empty(), SIGCHLD, 0, STACK_SIZE),
        f(CloneFlags::empty(), SIGCHLD, TASK_SIZE_MAX - 4096, 8192),
        f(CloneFlags::empty(), SIGCHLD, u64::MAX - 10, 100),
        f(CloneFlags::NEWNS | CloneFlags::FS, SIGCHLD, 0, 0),
        f(CloneFlags::NEWUSER | CloneFlags::FS, SIGCHLD, 0, 0),
        f(CloneFlags::VM | CloneFlags::THREAD, 0, STACK, STACK_SIZE),
        f(CloneFlags::SIGHAND, SIGCHLD, 0, 0),
        f(thread | CloneFlags::NEWPID, 0, STACK, STACK_SIZE),
    ];
    // flags bits Linux does not define; a signal in the flags word
    cases.push([1 << 40, 0, 0, 0, SIGCHLD, 0, 0, 0, 0, 0, 0]);
    cases.push([SIGCHLD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // set_tid and set_tid_size disagree, or too many levels
    cases.push([0, 0, 0, 0, SIGCHLD, 0, 0, 0, 0, 1, 0]);
    cases.push([0, 0, 0, 0, SIGCHLD, 0, 0, 0, 0x1000, 0, 0]);
    cases.push([0, 0, 0, 0, SIGCHLD, 0, 0, 0, 0x1000, 33, 0]);
    // a pidfd and the parent TID at one address; a cgroup out of range
    let pidfd = CloneFlags::PIDFD | CloneFlags::PARENT_SETTID;
    cases.push([pidfd.bits(), 0x2000, 0, 0x2000, SIGCHLD, 0, 0, 0, 0, 0, 0]);
    cases.push([
        CloneFlags::INTO_CGROUP.bits(),
        0,
        0,
        0,
        SIGCHLD,
        0,
        0,
        0,
        0,
        0,
        1 << 31,
    ]);
    for case in cases {
        let args = Args::new(case);
        assert_eq!(
            rejected_like_linux(args.addr(), 88),
            sys::EINVAL as i32,
            "{case:x?}"
        );
    }
    let cgroup = Args::new([
        CloneFlags::INTO_CGROUP.bits(),
        0,
        0,
        0,
        SIGCHLD,
        0,
        0,
        0,
        0,
        0,
        3,
    ]);
    assert_eq!(
        rejected_like_linux(cgroup.addr(), 80),
        sys::EINVAL as i32,
        "too short for cgroup"
    );
}

#[test]
fn features_not_provided_are_enosys() {
    let cases = [
        CloneFlags::PARENT,
        CloneFlags::PTRACE,
        CloneFlags::CLEAR_SIGHAND,
        CloneFlags::INTO_CGROUP,
        CloneFlags::NEWTIME,
        CloneFlags::NEWNS,
        CloneFlags::NEWCGROUP,
        CloneFlags::NEWUTS,
        CloneFlags::NEWIPC,
        CloneFlags::NEWUSER,
        CloneFlags::NEWPID,
        CloneFlags::NEWNET,
    ];
    for flags in cases {
        let signal = if flags == CloneFlags::PARENT {
            0
        } else {
            SIGCHLD
        };
        let args = Args::new(fields(flags, signal, 0, 0));
        let (error, _, cloned) = module(args.addr(), 88);
        assert_eq!((error, cloned), (sys::ENOSYS as i32, None), "{flags:?}");
    }
    let set_tid = [0u32; 1];
    let args = Args::new([0, 0, 0, 0, SIGCHLD, 0, 0, 0, set_tid.as_ptr() as u64, 1, 0]);
    assert_eq!(module(args.addr(), 88).0, sys::ENOSYS as i32);
}

/// Linux reads the `set_tid` array before it looks at the flags and the
/// stack: `EFAULT` wins over their `EINVAL`, and over `ENOSYS`.
#[test]
fn an_unreadable_set_tid_is_efault_first() {
    for fields in [
        [0, 0, 0, 0, SIGCHLD, 0, 0x10000, 0, 8, 1, 0],
        [1 << 40, 0, 0, 0, SIGCHLD, 0, 0, 0, 8, 1, 0],
        [0, 0, 0, 0, SIGCHLD, 0, 0, 0, 8, 1, 0],
    ] {
        let args = Args::new(fields);
        assert_eq!(
            rejected_like_linux(args.addr(), 88),
            sys::EFAULT as i32,
            "{fields:x?}"
        );
    }
}

#[test]
fn thread_only_flags_on_a_process_are_enosys_not_dropped() {
    for flags in [CloneFlags::SETTLS, CloneFlags::CHILD_CLEARTID] {
        let args = Args::new(fields(
            flags | CloneFlags::VM | CloneFlags::VFORK,
            SIGCHLD,
            0,
            0,
        ));
        let (error, _, cloned) = module(args.addr(), 88);
        assert_eq!((error, cloned), (sys::ENOSYS as i32, None), "{flags:?}");
    }
    // A process may have its TID stored in the child: compat_linux does it.
    let args = Args::new(fields(CloneFlags::CHILD_SETTID, SIGCHLD, 0, 0));
    assert_eq!(module(args.addr(), 88).0, 0);
}

#[test]
fn the_parent_tid_of_a_process_is_stored_by_the_module() {
    let mut ptid = 0u32;
    let mut f = fields(CloneFlags::PARENT_SETTID, SIGCHLD, 0, 0);
    f[3] = &raw mut ptid as u64;
    let args = Args::new(f);
    let (error, tid, cloned) = module(args.addr(), 88);
    assert_eq!(
        (error, tid, ptid),
        (0, sys::MODEL_CHILD_TID as register_t, sys::MODEL_CHILD_TID)
    );
    assert!(cloned.is_some());
    // An unwritable one is no failure: the child exists.
    f[3] = 8;
    let args = Args::new(f);
    assert_eq!(module(args.addr(), 88).0, 0);
}

#[test]
fn accepted_flags_without_effect_are_not_passed_on() {
    let flags = CloneFlags::IO | CloneFlags::UNTRACED | CloneFlags::SYSVSEM;
    let args = Args::new(fields(flags, SIGCHLD, 0, 0));
    let (error, _, cloned) = module(args.addr(), 88);
    assert_eq!((error, cloned.unwrap()[0]), (0, SIGCHLD as register_t));
}

/// clone3 with `CLONE_PIDFD`, the module loaded (its pidfd state is made
/// at INIT) and the model making the child: the module's result, and the
/// descriptor number it stored.
fn clone_pidfd(flags: CloneFlags, pidfd_at: Option<u64>) -> (Result<i32, i32>, i32) {
    let lwp = crate::pidfd_model::caller();
    let mut pidfd = -1i32;
    let signal = if flags.contains(CloneFlags::THREAD) {
        0
    } else {
        SIGCHLD
    };
    let mut f = fields(flags | CloneFlags::PIDFD, signal, 0, 0);
    f[1] = pidfd_at.unwrap_or(&raw mut pidfd as u64);
    let args = Args::new(f);
    // SAFETY: this thread's knob of the model.
    unsafe { sys::model_clone_child(true) };
    let result = crate::pidfd_model::call(&lwp, NR, [args.addr(), 88, 0, 0, 0, 0]);
    // SAFETY: as above.
    unsafe { sys::model_clone_child(false) };
    (result, pidfd)
}

#[test]
fn clone_pidfd_stores_a_close_on_exec_pidfd_of_the_child() {
    use crate::pidfd_model::{POLLIN, POLLRDNORM, Proc, close_fd, fd_flags, file_poll, pending};
    let _module = crate::pidfd_model::Loaded::new();
    let (child, pidfd) = clone_pidfd(CloneFlags::empty(), None);
    let child = Proc(child.unwrap());
    assert!(child.0 > sys::MODEL_CHILD_TID as i32);
    assert!(pidfd >= 0);
    assert_eq!(fd_flags(pidfd).0 & 1, 1, "FD_CLOEXEC");
    pending();
    assert_eq!(file_poll(pidfd), 0);
    child.exit();
    pending();
    assert_eq!(file_poll(pidfd), POLLIN | POLLRDNORM);
    close_fd(pidfd);
}

#[test]
fn clone_pidfd_refused_before_the_clone_leaves_no_descriptor() {
    let _module = crate::pidfd_model::Loaded::new();
    // An unwritable place for the number: EFAULT, as Linux, no child.
    trace_reset();
    let (result, _) = clone_pidfd(CloneFlags::empty(), Some(8));
    assert_eq!(result, Err(sys::EFAULT as i32));
    assert_eq!(trace().clones, 0);
    let mut f = fields(CloneFlags::PIDFD, SIGCHLD, 0, 0);
    f[1] = 8;
    assert_eq!(
        host_in_child(NR, [Args::new(f).addr(), 88, 0, 0, 0, 0]),
        Err(14)
    );
    // A pidfd of a thread (Linux 6.9) is not provided.
    let thread = CloneFlags::VM | CloneFlags::SIGHAND | CloneFlags::THREAD;
    let (result, _) = clone_pidfd(thread, None);
    assert_eq!(result, Err(sys::ENOSYS as i32));
    // SAFETY: reads the model's count.
    assert_eq!(unsafe { sys::model_files_open() }, 0);
}
