//! Tests of `getcpu.rs`.

use super::*;
use crate::model::ModelLwp;
use crate::sys;

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
    for cpu_index in 0..unsafe { sys::model_ncpu } {
        let lwp = ModelLwp::on_cpu(cpu_index);
        let (mut cpu, mut node) = (u32::MAX, u32::MAX);
        let result = call(&lwp, &raw mut cpu as u64, &raw mut node as u64, 0);
        assert_eq!(result, (0, 0));
        // Node 0: the host build cannot see struct cpu_info (see above).
        assert_eq!((cpu, node), (cpu_index, 0));
    }
}

#[test]
fn null_pointers_are_skipped() {
    let lwp = ModelLwp::on_cpu(2);
    let mut node = u32::MAX;
    assert_eq!(call(&lwp, 0, &raw mut node as u64, 0), (0, 0));
    assert_eq!(node, 0);

    let mut cpu = u32::MAX;
    assert_eq!(call(&lwp, &raw mut cpu as u64, 0, 0), (0, 0));
    assert_eq!(cpu, 2);

    assert_eq!(call(&lwp, 0, 0, 0), (0, 0));
}

#[test]
fn tcache_is_ignored() {
    let lwp = ModelLwp::on_cpu(1);
    let mut cpu = u32::MAX;
    assert_eq!(call(&lwp, &raw mut cpu as u64, 0, UNMAPPED), (0, 0));
    assert_eq!(cpu, 1);
}

#[test]
fn bad_cpu_pointer_still_writes_node() {
    let lwp = ModelLwp::on_cpu(1);
    let mut node = u32::MAX;
    let (error, retval) = call(&lwp, UNMAPPED, &raw mut node as u64, 0);
    assert_eq!(
        (error, retval),
        (sys::EFAULT as i32, -7),
        "retval untouched on error"
    );
    assert_eq!(node, 0);
}

#[test]
fn bad_node_pointer_fails_after_writing_cpu() {
    let lwp = ModelLwp::on_cpu(3);
    let mut cpu = u32::MAX;
    let (error, _) = call(&lwp, &raw mut cpu as u64, &raw const READ_ONLY as u64, 0);
    assert_eq!(error, sys::EFAULT as i32);
    assert_eq!(cpu, 3);
    assert_eq!(READ_ONLY, 0xdead);
}

#[test]
fn kernel_address_is_efault() {
    let lwp = ModelLwp::on_cpu(0);
    let (error, _) = call(&lwp, 0xffff_8000_0000_1000, 0, 0);
    assert_eq!(error, sys::EFAULT as i32);
}
