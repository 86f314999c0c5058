//! Tests of `getcpu.rs`.

use std::sync::MutexGuard;

use super::*;
use crate::model::{ModelLwp, serial};
use crate::sys;

/// The model's CPUs laid out as the module expects, two on each NUMA
/// node, and the module's load-time check of them done, as INIT does;
/// held for the test.
fn laid_out() -> MutexGuard<'static, ()> {
    let guard = serial();
    // SAFETY: rewrites the model's cpu_info; tests hold `serial()`.
    unsafe {
        sys::model_cpus_reset(true, 2);
        assert!(sys::clrs_cpu_layout_check());
    }
    guard
}

/// Runs getcpu through its table entry, as compat_linux's dispatcher
/// does: returns the errno and `retval[0]`.
fn call(lwp: &ModelLwp, cpu: u64, node: u64, tcache: u64) -> (i32, register_t) {
    let frame: [register_t; 6] = [
        cpu as register_t,
        node as register_t,
        tcache as register_t,
        -1,
        -1,
        -1,
    ];
    let mut retval: register_t = -7;
    let entry = crate::table::clrs_syscalls
        .iter()
        .find(|cs| cs.cs_code == NR)
        .and_then(|cs| cs.cs_call)
        .unwrap();
    // SAFETY: a model LWP, six readable registers and a result slot.
    let error = unsafe { entry(lwp.as_ptr(), frame.as_ptr().cast(), &mut retval) };
    (error, retval)
}

const UNMAPPED: u64 = 8;
static READ_ONLY: u32 = 0xdead;

#[test]
fn writes_cpu_and_node() {
    let _layout = laid_out();
    // SAFETY: the model's CPU count, set before the tests and never written.
    let ncpu = unsafe { sys::model_ncpu };
    for cpu_index in 0..ncpu {
        let lwp = ModelLwp::on_cpu(cpu_index);
        let (mut cpu, mut node) = (u32::MAX, u32::MAX);
        let result = call(&lwp, &raw mut cpu as u64, &raw mut node as u64, 0);
        assert_eq!(result, (0, 0));
        // The model puts two CPUs on each node.
        assert_eq!((cpu, node), (cpu_index, cpu_index / 2));
    }
}

#[test]
fn an_unexpected_cpu_info_layout_gives_node_0_and_says_so_once() {
    let _layout = laid_out();
    // SAFETY: rewrites the model's cpu_info; the test holds `serial()`.
    unsafe { sys::model_cpus_reset(false, 2) };
    // SAFETY: the model's table and console count; the test holds
    // `serial()`.
    let printfs = unsafe {
        sys::model_sysent_reset(0);
        sys::model_printfs
    };
    let loaded = crate::model::modcmd(sys::modcmd_MODULE_CMD_INIT, core::ptr::null_mut());
    // SAFETY: as above.
    let printed = unsafe { sys::model_printfs } - printfs;
    assert_eq!((loaded, printed), (0, 1));
    let lwp = ModelLwp::on_cpu(3);
    let (mut cpu, mut node) = (u32::MAX, u32::MAX);
    assert_eq!(
        call(&lwp, &raw mut cpu as u64, &raw mut node as u64, 0),
        (0, 0)
    );
    assert_eq!((cpu, node), (3, 0), "the index from cpu_lookup, node 0");
    assert_eq!(
        crate::model::modcmd(sys::modcmd_MODULE_CMD_FINI, core::ptr::null_mut()),
        0
    );
    // SAFETY: as above.
    unsafe { sys::model_cpus_reset(true, 2) };
}

#[test]
fn null_pointers_are_skipped() {
    let _layout = laid_out();
    let lwp = ModelLwp::on_cpu(2);
    let mut node = u32::MAX;
    assert_eq!(call(&lwp, 0, &raw mut node as u64, 0), (0, 0));
    assert_eq!(node, 1);

    let mut cpu = u32::MAX;
    assert_eq!(call(&lwp, &raw mut cpu as u64, 0, 0), (0, 0));
    assert_eq!(cpu, 2);

    assert_eq!(call(&lwp, 0, 0, 0), (0, 0));
}

#[test]
fn tcache_is_ignored() {
    let _layout = laid_out();
    let lwp = ModelLwp::on_cpu(1);
    let mut cpu = u32::MAX;
    assert_eq!(call(&lwp, &raw mut cpu as u64, 0, UNMAPPED), (0, 0));
    assert_eq!(cpu, 1);
}

#[test]
fn bad_cpu_pointer_still_writes_node() {
    let _layout = laid_out();
    let lwp = ModelLwp::on_cpu(1);
    let mut node = u32::MAX;
    let (error, retval) = call(&lwp, UNMAPPED, &raw mut node as u64, 0);
    assert_eq!(
        (error, retval),
        (sys::EFAULT as i32, -7),
        "retval untouched on error"
    );
    assert_eq!(node, 0, "CPU 1 is on node 0");
}

#[test]
fn bad_node_pointer_fails_after_writing_cpu() {
    let _layout = laid_out();
    let lwp = ModelLwp::on_cpu(3);
    let mut cpu = u32::MAX;
    let (error, _) = call(&lwp, &raw mut cpu as u64, &raw const READ_ONLY as u64, 0);
    assert_eq!(error, sys::EFAULT as i32);
    assert_eq!(cpu, 3);
    assert_eq!(READ_ONLY, 0xdead);
}

#[test]
fn kernel_address_is_efault() {
    let _layout = laid_out();
    let lwp = ModelLwp::on_cpu(0);
    let (error, _) = call(&lwp, 0xffff_8000_0000_1000, 0, 0);
    assert_eq!(error, sys::EFAULT as i32);
}
