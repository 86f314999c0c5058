//! The record of unimplemented calls, through the module glue and the
//! kernel model: what the empty slots hold, what they return, what is
//! counted, the sysctl nodes and the log.

use core::ffi::CStr;
use core::ptr::null_mut;
use std::time::Instant;

use super::{LINUX_NAMES, PROCESSES};
use crate::model::{ModelLwp, dispatch, dispatch_uncounted, modcmd, serial};
use crate::module_tests::{prop, reset, same, slot};
use crate::sys::{self, model_prop, sysent};

/// Calls no Linux program on the model's NetBSD gets: empty in the
/// model's table, and not among the module's calls.
const IO_URING_SETUP: u16 = 425;
const IO_URING_ENTER: u16 = 426;
const GETCPU: u16 = crate::getcpu::NR;

/// The module, loaded; unloaded when dropped if a test stops early, so
/// that the next test can load it.
struct Loaded;

fn init(props: sys::prop_dictionary_t) -> Loaded {
    assert_eq!(modcmd(sys::modcmd_MODULE_CMD_INIT, props), 0);
    Loaded
}

fn fini() -> i32 {
    modcmd(sys::modcmd_MODULE_CMD_FINI, null_mut())
}

impl Drop for Loaded {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // SAFETY: the model's gate; the tests hold `serial()`.
            unsafe { sys::model_nosys_hold(false) };
            fini();
        }
    }
}

fn recorder() -> usize {
    crate::table::clrs_record_nosys as *const () as usize
}

/// The slots of the module's handlers.
fn implemented() -> Vec<usize> {
    crate::table::clrs_syscalls
        .iter()
        .map(|cs| cs.cs_code.into())
        .collect()
}

fn call_of(sy: &sysent) -> Option<usize> {
    sy.sy_call.map(|f| f as usize)
}

fn table() -> Vec<sysent> {
    (0..sys::CLRS_LINUX_NSYSENT as usize).map(slot).collect()
}

/// sysctl(2) of `name` under emul.linux: the value's bytes, or the errno.
fn sysctl_read(name: &CStr) -> Result<Vec<u8>, i32> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut len = buf.len();
    // SAFETY: a writable buffer of `len` bytes; tests hold `serial()`.
    let error = unsafe {
        sys::model_sysctl(
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            &mut len,
            core::ptr::null(),
            0,
        )
    };
    if error != 0 {
        return Err(error);
    }
    buf.truncate(len);
    Ok(buf)
}

fn sysctl_write_int(name: &CStr, value: i32) -> i32 {
    // SAFETY: a readable int; tests hold `serial()`.
    unsafe {
        sys::model_sysctl(
            name.as_ptr(),
            null_mut(),
            null_mut(),
            (&raw const value).cast(),
            size_of::<i32>(),
        )
    }
}

fn log_mode() -> i32 {
    let bytes = sysctl_read(c"emul.linux.compat_linux_rs.log").unwrap();
    i32::from_ne_bytes(bytes.try_into().unwrap())
}

/// The report's lines, as sysctl prints the string node.
fn report() -> Vec<String> {
    let bytes = sysctl_read(c"emul.linux.compat_linux_rs.nosys").unwrap();
    let text = CStr::from_bytes_with_nul(&bytes).unwrap().to_str().unwrap();
    text.lines().map(str::to_owned).collect()
}

/// The report's line for call `nr`: calls, processes, last program.
fn recorded(nr: u16) -> Option<(u64, u32, String)> {
    report().iter().find_map(|line| {
        let fields: Vec<&str> = line.split(' ').collect();
        (fields.get(1) == Some(&nr.to_string().as_str())).then(|| {
            (
                fields[2].parse().unwrap(),
                fields[3].parse().unwrap(),
                fields[4].to_owned(),
            )
        })
    })
}

fn logs() -> (u32, String) {
    // SAFETY: plain reads of the model's log; tests hold `serial()`.
    unsafe {
        let last = CStr::from_ptr((&raw const sys::model_log_last).cast());
        (sys::model_logs, last.to_str().unwrap().to_owned())
    }
}

#[test]
fn empty_slots_record_and_return_enosys_and_unload_restores_every_slot() {
    let _serial = serial();
    reset(IO_URING_ENTER.into());
    let before = table();
    let _loaded = init(null_mut());
    for (nr, (now, was)) in table().iter().zip(&before).enumerate() {
        if call_of(was) == Some(sys::linux_sys_nosys as *const () as usize)
            && !implemented().contains(&nr)
        {
            assert_eq!(call_of(now), Some(recorder()), "slot {nr}");
            let args = (now.sy_narg, now.sy_argsize, now.sy_flags);
            assert_eq!(
                args,
                (was.sy_narg, was.sy_argsize, was.sy_flags),
                "slot {nr}"
            );
        }
    }
    let native = usize::from(IO_URING_ENTER);
    assert!(same(&slot(native), &before[native]), "compat_linux's own");

    let lwp = ModelLwp::on_cpu(0);
    let (error, retval) = dispatch(&lwp, IO_URING_SETUP, [1, 2, 3, 4, 5, 6]);
    assert_eq!(
        (error, retval),
        (sys::ENOSYS as i32, -7),
        "ENOSYS, retval untouched"
    );
    assert_eq!(recorded(IO_URING_SETUP), Some((1, 1, "model".into())));

    assert_eq!(fini(), 0);
    for (nr, (now, was)) in table().iter().zip(&before).enumerate() {
        assert!(same(now, was), "slot {nr} restored exactly");
    }
}

#[test]
fn calls_the_module_implements_or_the_kernel_has_are_not_recorded() {
    let _serial = serial();
    reset(usize::from(IO_URING_ENTER));
    let _loaded = init(prop(c"override", model_prop::MODEL_PROP_BOOL, false));
    let lwp = ModelLwp::on_cpu(0);
    let (mut cpu, mut node) = (u32::MAX, u32::MAX);
    let regs = [(&raw mut cpu) as u64, (&raw mut node) as u64, 0, 0, 0, 0];
    assert_eq!(dispatch(&lwp, GETCPU, regs).0, 0);
    assert_eq!(
        dispatch(&lwp, IO_URING_ENTER, [0; 6]),
        (0, 42),
        "compat_linux's"
    );
    assert_eq!(dispatch(&lwp, IO_URING_SETUP, [0; 6]).0, sys::ENOSYS as i32);
    let lines = report();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("io_uring_setup 425 1 1 "), "{lines:?}");
    assert_eq!(fini(), 0);
}

#[test]
fn record_nosys_false_leaves_the_empty_slots_alone() {
    let _serial = serial();
    reset(0);
    let before = table();
    let _loaded = init(prop(c"record_nosys", model_prop::MODEL_PROP_BOOL, false));
    for (nr, (now, was)) in table().iter().zip(&before).enumerate() {
        assert_eq!(same(now, was), !implemented().contains(&nr), "slot {nr}");
    }
    let lwp = ModelLwp::on_cpu(0);
    assert_eq!(dispatch(&lwp, IO_URING_SETUP, [0; 6]).0, sys::ENOSYS as i32);
    assert!(report().is_empty());
    assert_eq!(fini(), 0);
}

#[test]
fn concurrent_callers_lose_no_count() {
    const THREADS: usize = 4;
    const CALLS: usize = 20_000;
    let _serial = serial();
    reset(0);
    let _loaded = init(null_mut());
    std::thread::scope(|scope| {
        for cpu in 0..THREADS {
            scope.spawn(move || {
                let lwp = ModelLwp::on_cpu(cpu as u32);
                for _ in 0..CALLS {
                    assert_eq!(dispatch(&lwp, IO_URING_SETUP, [0; 6]).0, sys::ENOSYS as i32);
                }
            });
        }
    });
    let expected = (THREADS * CALLS) as u64;
    assert_eq!(
        recorded(IO_URING_SETUP),
        Some((expected, 1, "model".into()))
    );
    assert_eq!(fini(), 0);
}

#[test]
fn unload_is_refused_while_a_call_is_inside_the_recorder() {
    let _serial = serial();
    reset(0);
    let before = table();
    let _loaded = init(null_mut());
    // SAFETY: the model's gate; the tests hold `serial()`.
    unsafe { sys::model_nosys_hold(true) };
    let caller = std::thread::spawn(|| {
        let lwp = ModelLwp::on_cpu(1);
        dispatch_uncounted(&lwp, IO_URING_SETUP, [0; 6]).0
    });
    // SAFETY: an atomic counter of the model.
    while unsafe { core::ptr::read_volatile(&raw const sys::model_nosys_waiting) } == 0 {
        std::thread::yield_now();
    }
    assert_eq!(fini(), sys::EBUSY as i32);
    assert_eq!(
        call_of(&slot(IO_URING_SETUP.into())),
        Some(recorder()),
        "still recording"
    );
    // SAFETY: as above.
    unsafe { sys::model_nosys_hold(false) };
    assert_eq!(caller.join().unwrap(), sys::ENOSYS as i32);
    assert_eq!(fini(), 0);
    for (nr, (now, was)) in table().iter().zip(&before).enumerate() {
        assert!(same(now, was), "slot {nr} restored exactly");
    }
}

#[test]
fn a_process_counts_once_per_call_and_until_it_is_gone() {
    let _serial = serial();
    reset(0);
    let _loaded = init(null_mut());
    let lwp = ModelLwp::on_cpu(0);
    let sibling = ModelLwp::on_cpu(1);
    for (pid, comm) in [(500, c"first"), (501, c"second")] {
        lwp.set_process(pid, comm);
        sibling.set_process(pid, comm);
        for _ in 0..3 {
            dispatch(&lwp, IO_URING_SETUP, [0; 6]);
            dispatch(&sibling, IO_URING_SETUP, [0; 6]);
        }
    }
    dispatch(&lwp, IO_URING_ENTER, [0; 6]);
    assert_eq!(recorded(IO_URING_SETUP), Some((12, 2, "second".into())));
    assert_eq!(recorded(IO_URING_ENTER), Some((1, 1, "second".into())));

    // Every place taken by processes that exit: the first call that finds
    // none free frees theirs.
    for pid in 1000..1000 + PROCESSES as i32 + 10 {
        lwp.set_process(pid, c"short");
        dispatch(&lwp, IO_URING_ENTER, [0; 6]);
        // SAFETY: the model's process table; tests hold `serial()`.
        unsafe { sys::model_process_exit(pid) };
    }
    let (calls, processes, _) = recorded(IO_URING_ENTER).unwrap();
    assert_eq!(
        (calls, processes),
        (PROCESSES as u64 + 11, PROCESSES as u32 + 11)
    );

    // A new process with an old one's ID is another process.
    lwp.set_process(1000, c"again");
    dispatch(&lwp, IO_URING_ENTER, [0; 6]);
    assert_eq!(recorded(IO_URING_ENTER).unwrap().1, PROCESSES as u32 + 12);
    // SAFETY: as above.
    unsafe {
        sys::model_process_exit(500);
        sys::model_process_exit(501);
        sys::model_process_exit(1000);
    }
    lwp.set_process(0, c"model");
    sibling.set_process(0, c"model");
    assert_eq!(fini(), 0);
}

#[test]
fn the_sysctl_nodes_live_with_the_module() {
    let _serial = serial();
    reset(0);
    let _loaded = init(null_mut());
    // SAFETY: reads the model's sysctl tree; tests hold `serial()`.
    assert_eq!(unsafe { sys::model_sysctl_nodes() }, 3);
    assert_eq!(report(), Vec::<String>::new(), "empty at load");
    assert_eq!(log_mode(), 0, "off at load");
    for mode in [1, 2, 0] {
        assert_eq!(sysctl_write_int(c"emul.linux.compat_linux_rs.log", mode), 0);
        assert_eq!(log_mode(), mode);
    }
    for bad in [3, -1] {
        assert_eq!(
            sysctl_write_int(c"emul.linux.compat_linux_rs.log", bad),
            sys::EINVAL as i32
        );
        assert_eq!(log_mode(), 0, "unchanged");
    }
    assert_eq!(
        sysctl_write_int(c"emul.linux.compat_linux_rs.nosys", 1),
        sys::EPERM as i32,
        "the record is read-only"
    );
    assert_eq!(fini(), 0);
    // SAFETY: as above.
    assert_eq!(unsafe { sys::model_sysctl_nodes() }, 0);
    assert_eq!(
        sysctl_read(c"emul.linux.compat_linux_rs.log"),
        Err(sys::ENOENT as i32)
    );
}

#[test]
fn the_report_names_every_call_and_keeps_whole_lines() {
    let _serial = serial();
    reset(0);
    let _loaded = init(null_mut());
    let lwp = ModelLwp::on_cpu(0);
    let empty: Vec<u16> = (0..sys::CLRS_LINUX_NSYSENT as u16)
        .filter(|&nr| call_of(&slot(nr.into())) == Some(recorder()))
        .collect();
    for &nr in &empty {
        dispatch(&lwp, nr, [0; 6]);
    }
    let lines = report();
    assert_eq!(lines.len(), empty.len());
    for (line, &nr) in lines.iter().zip(&empty) {
        let name = LINUX_NAMES[usize::from(nr)].map_or("?", |n| n.to_str().unwrap());
        assert_eq!(line, &format!("{name} {nr} 1 1 model"));
    }
    assert!(lines.iter().any(|l| l.starts_with("io_uring_setup 425 ")));
    assert!(lines.iter().any(|l| l.starts_with("? 400 ")), "unassigned");

    let mut small = [0xffu8; 40];
    // SAFETY: a writable buffer of its length.
    let len = unsafe { super::clrs_nosys_report(small.as_mut_ptr().cast(), small.len()) };
    let text = CStr::from_bytes_until_nul(&small).unwrap().to_bytes();
    assert_eq!(text.len(), len);
    assert!(
        text.ends_with(b"\n") && text.len() <= 39,
        "whole lines only"
    );
    assert_eq!(fini(), 0);
}

#[test]
fn logging_is_off_then_once_per_process_and_call_then_rate_limited() {
    let _serial = serial();
    reset(0);
    let _loaded = init(null_mut());
    let lwp = ModelLwp::on_cpu(0);
    let (start, _) = logs();
    dispatch(&lwp, IO_URING_SETUP, [0; 6]);
    assert_eq!(logs().0, start, "off by default");

    assert_eq!(sysctl_write_int(c"emul.linux.compat_linux_rs.log", 1), 0);
    lwp.set_process(600, c"prog");
    for _ in 0..3 {
        dispatch(&lwp, IO_URING_SETUP, [0; 6]);
    }
    let (n, last) = logs();
    assert_eq!(n, start + 1);
    assert_eq!(
        last,
        "linux: pid 600 (prog): syscall io_uring_setup (425) not implemented\n"
    );
    dispatch(&lwp, IO_URING_ENTER, [0; 6]);
    lwp.set_process(601, c"other");
    dispatch(&lwp, IO_URING_SETUP, [0; 6]);
    assert_eq!(logs().0, start + 3, "a new call, a new process");

    assert_eq!(sysctl_write_int(c"emul.linux.compat_linux_rs.log", 2), 0);
    let begun = Instant::now();
    let (before, _) = logs();
    for _ in 0..100 {
        dispatch(&lwp, IO_URING_SETUP, [0; 6]);
    }
    let seconds = begun.elapsed().as_secs() as u32 + 1;
    let lines = logs().0 - before;
    assert!(
        lines >= 1 && lines <= (seconds + 1) * sys::CLRS_NOSYS_LOG_PER_SECOND,
        "{lines} lines in {seconds} s"
    );
    // SAFETY: the model's process table; tests hold `serial()`.
    unsafe {
        sys::model_process_exit(600);
        sys::model_process_exit(601);
    }
    lwp.set_process(0, c"model");
    assert_eq!(fini(), 0);
}
