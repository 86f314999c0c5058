//! The C module glue (`ffi/compat_linux_rs.c`) against the kernel model:
//! what modload and modunload do to compat_linux's table.

use core::ptr::{addr_of, null_mut};

use std::time::Duration;

use crate::model::{ModelLwp, SemSet, modcmd, serial};
use crate::sys::{self, model_prop, sysent};

const GETCPU: usize = crate::getcpu::NR as usize;

fn props(kind: model_prop, value: bool) -> sys::prop_dictionary_t {
    prop(c"override", kind, value)
}

/// A dictionary with the one property `key`.
pub(crate) fn prop(
    key: &'static core::ffi::CStr,
    kind: model_prop,
    value: bool,
) -> sys::prop_dictionary_t {
    // SAFETY: the model keeps one dictionary, with the key's address; the
    // tests hold `serial()`.
    unsafe { sys::model_props(key.as_ptr(), kind, value) }
}

pub(crate) fn slot(code: usize) -> sysent {
    // SAFETY: a plain read of the model's table; tests hold `serial()`.
    unsafe {
        addr_of!(sys::linux_sysent)
            .cast::<sysent>()
            .add(code)
            .read()
    }
}

pub(crate) fn reset(native: usize) {
    // SAFETY: rewrites the model's table; tests hold `serial()`.
    unsafe { sys::model_sysent_reset(native as u32) }
}

pub(crate) fn same(a: &sysent, b: &sysent) -> bool {
    a.sy_narg == b.sy_narg
        && a.sy_argsize == b.sy_argsize
        && a.sy_flags == b.sy_flags
        && a.sy_call.map(|f| f as usize) == b.sy_call.map(|f| f as usize)
        && a.sy_entry == b.sy_entry
        && a.sy_return == b.sy_return
}

fn ours(code: usize) -> bool {
    let installed = crate::table::clrs_syscalls
        .iter()
        .find(|cs| usize::from(cs.cs_code) == code)
        .and_then(|cs| cs.cs_call)
        .map(|f| f as usize);
    slot(code).sy_call.map(|f| f as usize) == installed && installed.is_some()
}

fn nosys() -> usize {
    sys::linux_sys_nosys as *const () as usize
}

#[test]
fn modinfo_names_the_module_and_its_requirement() {
    // SAFETY: reads the modinfo the glue's MODULE() defined.
    let mi = unsafe { &*sys::model_modinfo() };
    // SAFETY: MODULE() stores NUL-terminated literals.
    let (name, required) = unsafe {
        (
            core::ffi::CStr::from_ptr(mi.mi_name),
            core::ffi::CStr::from_ptr(mi.mi_required),
        )
    };
    assert_eq!(name.to_str(), Ok("compat_linux_rs"));
    assert_eq!(required.to_str(), Ok("compat_linux"));
}

#[test]
fn load_fills_empty_slots_and_unload_restores_them() {
    let _serial = serial();
    reset(0);
    let before = slot(GETCPU);
    assert_eq!(modcmd(sys::modcmd_MODULE_CMD_INIT, null_mut()), 0);
    assert!(ours(GETCPU));
    let installed = slot(GETCPU);
    assert_eq!(
        (installed.sy_narg, installed.sy_argsize, installed.sy_flags),
        (3, 24, 0)
    );
    assert_eq!(
        slot(GETCPU - 1).sy_call.map(|f| f as usize),
        Some(crate::table::clrs_record_nosys as *const () as usize),
        "an empty neighbour records its calls"
    );

    assert_eq!(modcmd(sys::modcmd_MODULE_CMD_FINI, null_mut()), 0);
    assert!(same(&slot(GETCPU), &before));
}

#[test]
fn override_replaces_and_restores_compat_linux_handlers() {
    let _serial = serial();
    for props in [
        null_mut(),
        props(model_prop::MODEL_PROP_NONE, false),
        props(model_prop::MODEL_PROP_BOOL, true),
    ] {
        reset(GETCPU);
        let native = slot(GETCPU);
        assert_eq!(modcmd(sys::modcmd_MODULE_CMD_INIT, props), 0);
        assert!(ours(GETCPU));
        assert_eq!(modcmd(sys::modcmd_MODULE_CMD_FINI, null_mut()), 0);
        assert!(
            same(&slot(GETCPU), &native),
            "restored exactly, flags included"
        );
    }
}

#[test]
fn override_false_takes_only_empty_slots() {
    let _serial = serial();
    reset(GETCPU);
    let native = slot(GETCPU);
    assert_eq!(
        modcmd(
            sys::modcmd_MODULE_CMD_INIT,
            props(model_prop::MODEL_PROP_BOOL, false)
        ),
        0
    );
    assert!(same(&slot(GETCPU), &native));
    assert_eq!(modcmd(sys::modcmd_MODULE_CMD_FINI, null_mut()), 0);
    assert!(same(&slot(GETCPU), &native));

    reset(0);
    assert_eq!(
        modcmd(
            sys::modcmd_MODULE_CMD_INIT,
            props(model_prop::MODEL_PROP_BOOL, false)
        ),
        0
    );
    assert!(ours(GETCPU));
    assert_eq!(modcmd(sys::modcmd_MODULE_CMD_FINI, null_mut()), 0);
}

#[test]
fn override_of_the_wrong_type_fails_the_load() {
    let _serial = serial();
    reset(0);
    let error = modcmd(
        sys::modcmd_MODULE_CMD_INIT,
        props(model_prop::MODEL_PROP_STRING, false),
    );
    assert_eq!(error, sys::EINVAL as i32);
    assert_eq!(
        slot(GETCPU).sy_call.map(|f| f as usize),
        Some(nosys()),
        "nothing installed"
    );
    // SAFETY: reads the model's sysctl tree; tests hold `serial()`.
    assert_eq!(unsafe { sys::model_sysctl_nodes() }, 0, "no sysctl node");
}

#[test]
fn unload_is_refused_while_an_lwp_is_inside_a_call() {
    let _serial = serial();
    reset(0);
    // Empty slots left as they are: one of them is not the module's.
    let props = prop(c"record_nosys", model_prop::MODEL_PROP_BOOL, false);
    assert_eq!(modcmd(sys::modcmd_MODULE_CMD_INIT, props), 0);
    let lwp = ModelLwp::on_cpu(0);
    lwp.in_syscall(GETCPU as u16);
    // SAFETY: a plain read of the model's counter; tests hold `serial()`.
    let xcalls = unsafe { sys::model_xc_calls };

    assert_eq!(
        modcmd(sys::modcmd_MODULE_CMD_FINI, null_mut()),
        sys::EBUSY as i32
    );
    assert!(ours(GETCPU), "still installed");
    assert_eq!(
        // SAFETY: the model's cross-call count, read after the calls.
        unsafe { sys::model_xc_calls },
        xcalls,
        "nothing was changed, even briefly"
    );

    lwp.in_syscall(GETCPU as u16 - 1);
    assert_eq!(
        modcmd(sys::modcmd_MODULE_CMD_FINI, null_mut()),
        0,
        "another slot is no obstacle"
    );
    assert_eq!(slot(GETCPU).sy_call.map(|f| f as usize), Some(nosys()));
}

/// A semtimedop that waits on a fresh set until `set` gets a value,
/// started on another thread and left asleep; the LWP is not marked as
/// inside a call unless `mark`.
fn asleep_in_semtimedop(set: &SemSet, mark: bool) -> std::thread::JoinHandle<i32> {
    let id = set.0;
    let (started, asleep) = std::sync::mpsc::channel();
    let sleeper = std::thread::spawn(move || {
        let lwp = ModelLwp::on_cpu(1);
        if mark {
            lwp.in_syscall(crate::semtimedop::NR);
        }
        let take: [i16; 3] = [0, -1, 0];
        started.send(()).unwrap();
        let regs = [id as u64, take.as_ptr() as u64, 1, 0, 0, 0];
        let (error, _) = crate::model::call_uncounted(&lwp, crate::semtimedop::NR, regs);
        lwp.in_syscall(0);
        error
    });
    asleep.recv().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    sleeper
}

#[test]
fn unload_is_refused_while_a_call_sleeps_inside_by_either_guard() {
    let _serial = serial();
    for (guard, mark) in [("the count alone", false), ("both", true)] {
        reset(0);
        assert_eq!(modcmd(sys::modcmd_MODULE_CMD_INIT, null_mut()), 0);
        let set = SemSet::new(1);
        let sleeper = asleep_in_semtimedop(&set, mark);
        assert_eq!(
            modcmd(sys::modcmd_MODULE_CMD_FINI, null_mut()),
            sys::EBUSY as i32,
            "{guard}"
        );
        assert!(ours(crate::semtimedop::NR as usize), "still installed");
        set.set(0, 1);
        assert_eq!(sleeper.join().unwrap(), 0);
        assert_eq!(
            modcmd(sys::modcmd_MODULE_CMD_FINI, null_mut()),
            0,
            "{guard}: the call has returned"
        );
        assert!(!ours(crate::semtimedop::NR as usize));
    }
}

#[test]
fn other_commands_are_not_handled() {
    let _serial = serial();
    for cmd in [
        sys::modcmd_MODULE_CMD_STAT,
        sys::modcmd_MODULE_CMD_AUTOUNLOAD,
    ] {
        assert_eq!(modcmd(cmd, null_mut()), sys::ENOTTY as i32);
    }
}
