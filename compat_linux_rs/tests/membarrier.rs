//! Tests of `membarrier.rs` and of the registrations the C side keeps,
//! with the module loaded (the registrations' key and exec hook are made
//! at INIT): results against the host's membarrier where a fresh process
//! can be asked, the cross-calls made, registrations per process, taken
//! over from a parent, dropped by exec and exit, and unload refused while
//! one exists.

use core::ptr::null_mut;
use std::sync::MutexGuard;

use super::*;
use crate::model::{self, ModelLwp, assert_balanced, modcmd, serial};
use crate::sys;

/// The module loaded, with every process's registrations dropped at the
/// end (they would keep it loaded).
struct Loaded {
    _serial: MutexGuard<'static, ()>,
    pids: Vec<i32>,
}

impl Loaded {
    fn new() -> Loaded {
        let serial = serial();
        // SAFETY: the model's table; tests hold `serial()`.
        unsafe { sys::model_sysent_reset(0) };
        assert_eq!(modcmd(sys::modcmd_MODULE_CMD_INIT, null_mut()), 0);
        Loaded {
            _serial: serial,
            pids: Vec::new(),
        }
    }

    /// An LWP of a fresh process `pid`, with parent `ppid` (0: none).
    fn process(&mut self, pid: i32, ppid: i32) -> ModelLwp {
        let lwp = ModelLwp::on_cpu(0);
        lwp.set_process(pid, c"membarrier");
        if ppid != 0 {
            // SAFETY: the model's process table.
            unsafe { sys::model_proc_set_parent(pid, ppid) };
        }
        self.pids.push(pid);
        lwp
    }
}

impl Drop for Loaded {
    fn drop(&mut self) {
        for &pid in &self.pids {
            // SAFETY: the model's process table.
            unsafe { sys::model_process_exit(pid) };
        }
        assert_eq!(modcmd(sys::modcmd_MODULE_CMD_FINI, null_mut()), 0);
        // SAFETY: reads the model's counts.
        unsafe {
            assert_eq!(sys::model_specific_keys(), 0, "the key is deleted");
            assert_eq!(sys::model_exechooks(), 0, "the exec hook is gone");
        }
    }
}

/// membarrier(cmd, flags, cpu_id) through the module: the result or minus
/// the Linux errno; and the cross-calls it made (all, high priority).
fn mb(lwp: &ModelLwp, cmd: i64, flags: u64, cpu: i64) -> (i64, u32, u32) {
    model::trace_reset();
    // SAFETY: reads the model's count.
    let before = unsafe { sys::model_xc_calls };
    let regs = [cmd as u64, flags, cpu as u64, 0, 0, 0];
    let result = model::linux_value(model::call(lwp, NR, regs));
    assert_balanced();
    let t = model::trace();
    // SAFETY: as above.
    (
        result,
        unsafe { sys::model_xc_calls } - before,
        t.xc_highpri,
    )
}

/// The same commands, one after the other, made by a fresh host process
/// (a child, whose parent never registers): their results, one child for
/// each prefix of the sequence, which returns the result of its last.
fn host_sequence(cmds: &[i64]) -> Vec<i64> {
    (1..=cmds.len())
        .map(|n| {
            let code = model::in_child(|| {
                let mut last = Ok(0);
                for &c in &cmds[..n] {
                    last = model::host(NR, [c as u64, 0, 0, 0, 0, 0]);
                }
                // An exit status stops at 255: values below 200, errnos
                // above it.
                match last {
                    Ok(v) => v.min(199) as i32,
                    Err(e) => 200 + e,
                }
            });
            if code >= 200 {
                -i64::from(code - 200)
            } else {
                i64::from(code)
            }
        })
        .collect()
}

#[test]
fn query_reports_all_but_rseq() {
    let mut loaded = Loaded::new();
    let lwp = loaded.process(5001, 0);
    assert_eq!(mb(&lwp, 0, 0, 0), (0x27f, 0, 0));
    // The host has rseq: its answer is this one and the two rseq bits.
    let host = model::host(NR, [0; 6]).unwrap();
    assert_eq!(host & !0x180, 0x27f);
}

#[test]
fn flags_and_unknown_commands_are_einval() {
    let mut loaded = Loaded::new();
    let lwp = loaded.process(5002, 0);
    for (cmd, flags) in [
        (0, 1),
        (1, 1 << 31),
        (8, 1),
        (512, 1),
        (3, 0),
        (1024, 0),
        (-1, 0),
        (1 << 31, 0),
        // The upper halves are not the arguments: QUERY then.
        (1 << 32, 1 << 32),
    ] {
        let got = mb(&lwp, cmd, flags, 0).0;
        let host =
            model::host(NR, [cmd as u64, flags, 0, 0, 0, 0]).unwrap_or_else(|e| -i64::from(e));
        assert_eq!(
            got,
            if host > 0 { host & !0x180 } else { host },
            "{cmd:#x} {flags:#x}"
        );
    }
    // No rseq: its commands are EINVAL, with or without FLAG_CPU; another
    // flag is EINVAL anyway.
    for (cmd, flags) in [(128, 0), (128, 1), (128, 2), (256, 0)] {
        assert_eq!(mb(&lwp, cmd, flags, 5).0, -22);
    }
    assert_eq!(mb(&lwp, 512, 0, 0).0, 0, "and nothing registered");
}

#[test]
fn private_expedited_needs_a_registration_as_on_linux() {
    let mut loaded = Loaded::new();
    let lwp = loaded.process(5003, 0);
    let cmds = [8, 32, 16, 512, 8, 32, 64, 512, 32, 4, 512, 16];
    let host = host_sequence(&cmds);
    let module: Vec<i64> = cmds.iter().map(|&c| mb(&lwp, c, 0, 0).0).collect();
    assert_eq!(module, host);
    assert_eq!(host, [-1, -1, 0, 16, 0, -1, 0, 80, 0, 0, 84, 0]);
}

#[test]
fn sync_core_registration_alone_leaves_private_expedited_unready() {
    let mut loaded = Loaded::new();
    let lwp = loaded.process(5004, 0);
    let cmds = [64, 512, 8, 32];
    assert_eq!(host_sequence(&cmds), [0, 80, -1, 0]);
    let module: Vec<i64> = cmds.iter().map(|&c| mb(&lwp, c, 0, 0).0).collect();
    assert_eq!(module, [0, 80, -1, 0]);
}

#[test]
fn barriers_are_cross_calls_to_every_cpu() {
    let mut loaded = Loaded::new();
    let lwp = loaded.process(5005, 0);
    // GLOBAL: a low-priority cross-call (every CPU switches); expedited
    // ones: high priority; none for a refusal or a registration.
    assert_eq!(mb(&lwp, 1, 0, 0), (0, 1, 0));
    assert_eq!(mb(&lwp, 2, 0, 0), (0, 1, 1));
    assert_eq!(mb(&lwp, 8, 0, 0), (-1, 0, 0));
    assert_eq!(mb(&lwp, 16, 0, 0), (0, 0, 0));
    assert_eq!(mb(&lwp, 8, 0, 0), (0, 1, 1));
    assert_eq!(mb(&lwp, 64, 0, 0), (0, 0, 0));
    assert_eq!(mb(&lwp, 32, 0, 0), (0, 1, 1));
}

#[test]
fn registrations_belong_to_the_process_and_go_with_it() {
    let mut loaded = Loaded::new();
    let a = loaded.process(5006, 0);
    let b = loaded.process(5007, 0);
    assert_eq!(mb(&a, 16, 0, 0).0, 0);
    assert_eq!(mb(&a, 8, 0, 0).0, 0);
    assert_eq!(mb(&b, 8, 0, 0).0, -1, "another process");
    // A second LWP of the same process shares them.
    let a2 = ModelLwp::on_cpu(1);
    a2.set_process(5006, c"membarrier");
    assert_eq!(mb(&a2, 8, 0, 0).0, 0);
    // While one exists, the module stays.
    assert_eq!(
        modcmd(sys::modcmd_MODULE_CMD_FINI, null_mut()),
        sys::EBUSY as i32
    );
    // SAFETY: the model's process table.
    unsafe { sys::model_process_exit(5006) };
    // SAFETY: reads the model's process table.
    assert!(!unsafe { sys::model_proc_has_specific(5006) });
    // A new process with the same ID starts with none.
    let again = loaded.process(5006, 0);
    assert_eq!(mb(&again, 512, 0, 0).0, 0);
    assert_eq!(mb(&again, 8, 0, 0).0, -1);
}

#[test]
fn exec_drops_registrations() {
    let mut loaded = Loaded::new();
    let lwp = loaded.process(5008, 0);
    assert_eq!(mb(&lwp, 16, 0, 0).0, 0);
    assert_eq!(mb(&lwp, 4, 0, 0).0, 0);
    assert_eq!(mb(&lwp, 512, 0, 0).0, 20);
    // SAFETY: the model's process table.
    unsafe { sys::model_process_exec(5008) };
    assert_eq!(mb(&lwp, 512, 0, 0).0, 0);
    assert_eq!(mb(&lwp, 8, 0, 0).0, -1);
    // With none left anywhere, the module may go.
    assert_eq!(modcmd(sys::modcmd_MODULE_CMD_FINI, null_mut()), 0);
    assert_eq!(modcmd(sys::modcmd_MODULE_CMD_INIT, null_mut()), 0);
}

#[test]
fn a_child_takes_over_its_parents_registrations() {
    let mut loaded = Loaded::new();
    let parent = loaded.process(5010, 0);
    assert_eq!(mb(&parent, 16, 0, 0).0, 0);
    // A child, and a grandchild whose parent never used membarrier.
    let child = loaded.process(5011, 5010);
    loaded.process(5012, 5010);
    let grandchild = loaded.process(5013, 5012);
    assert_eq!(mb(&child, 8, 0, 0).0, 0);
    assert_eq!(mb(&grandchild, 512, 0, 0).0, 16);
    // Taken over once: the parent's later registrations are not.
    assert_eq!(mb(&parent, 4, 0, 0).0, 0);
    assert_eq!(mb(&child, 512, 0, 0).0, 16);
    // A child that executes a program before it uses membarrier gets none.
    let execed = loaded.process(5014, 5010);
    // SAFETY: the model's process table.
    unsafe { sys::model_process_exec(5014) };
    assert_eq!(mb(&execed, 512, 0, 0).0, 0);
    // As on Linux, a forked child keeps them (host: fork after register).
    let kept = model::in_child(|| {
        if model::host(NR, [16, 0, 0, 0, 0, 0]) != Ok(0) {
            return 1;
        }
        model::in_child(|| (model::host(NR, [8, 0, 0, 0, 0, 0]) == Ok(0)).into())
    });
    assert_eq!(kept, 1);
}

#[test]
fn records_are_freed_at_exit_and_at_unload() {
    let mut loaded = Loaded::new();
    let lwp = loaded.process(5015, 0);
    // A query makes a record, without registering anything.
    assert_eq!(mb(&lwp, 512, 0, 0).0, 0);
    // SAFETY: reads the model's process table.
    assert!(unsafe { sys::model_proc_has_specific(5015) });
    // Unload is not refused for it, and frees it.
    assert_eq!(modcmd(sys::modcmd_MODULE_CMD_FINI, null_mut()), 0);
    // SAFETY: as above.
    assert!(!unsafe { sys::model_proc_has_specific(5015) });
    assert_eq!(modcmd(sys::modcmd_MODULE_CMD_INIT, null_mut()), 0);
}
