//! Tests of `mlock2.rs`: the module through the model (whose sys_mlock
//! locks this process's pages on the host) against the host's mlock2.

use super::*;
use crate::model::{self, ModelLwp, NOBODY, PAGE, Pages, assert_balanced};

unsafe extern "C" {
    fn munlockall() -> i32;
    fn munlock(addr: u64, len: usize) -> i32;
    fn setrlimit(resource: i32, limit: *const [u64; 2]) -> i32;
}
const RLIMIT_MEMLOCK: i32 = 8;

fn module(lwp: &ModelLwp, addr: u64, len: u64, flags: u64) -> i64 {
    model::trace_reset();
    let result = model::linux_value(model::call(lwp, NR, [addr, len, flags, 0, 0, 0]));
    assert_balanced();
    result
}

fn host(addr: u64, len: u64, flags: u64) -> i64 {
    model::host(NR, [addr, len, flags, 0, 0, 0]).unwrap_or_else(|e| -i64::from(e))
}

/// The bytes this process has locked (VmLck).
fn locked() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmLck:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap()
        * 1024
}

/// Locks are the process's: the tests that lock take turns.
fn locking() -> std::sync::MutexGuard<'static, ()> {
    model::serial()
}

#[test]
fn checks_in_linux_order_as_root() {
    let _turn = locking();
    let pages = Pages::new(4);
    pages.unmap(2);
    let lwp = ModelLwp::on_cpu(0);
    let p = pages.at(0);
    for (what, addr, len, flags) in [
        ("flags 2", p, 4096, 2),
        ("flags 3", p, 4096, 3),
        ("flags -1", p, 4096, u32::MAX as u64),
        ("length 0", p, 0, 0),
        ("length 0 at a hole", pages.at(2 * PAGE), 0, 0),
        ("one byte at a hole", pages.at(2 * PAGE), 1, 0),
        ("length 0, unaligned: a page", pages.at(2 * PAGE + 1), 0, 0),
        ("across the hole", p, 4 * PAGE as u64, 0),
        ("SIZE_MAX wraps to 0", p, u64::MAX, 0),
        ("past the end, wrapping", p, u64::MAX - 8192, 0),
        ("kernel addresses", 0xffff_8000_0000_0000, 4096, 0),
        ("the last page wraps", u64::MAX - 4095, 4096, 0),
        ("past user space", p, 1 << 47, 0),
        ("page 0", 0, 4096, 0),
    ] {
        assert_eq!(
            module(&lwp, addr, len, flags),
            host(addr, len, flags),
            "{what}"
        );
    }
    // SAFETY: undoes the host's locks of this test process.
    unsafe { munlockall() };
}

#[test]
fn locks_the_pages_with_or_without_onfault() {
    let _turn = locking();
    let pages = Pages::new(8);
    let lwp = ModelLwp::on_cpu(0);
    for flags in [0, 1] {
        let before = locked();
        // Two pages and a byte: three pages.
        assert_eq!(module(&lwp, pages.at(10), 2 * PAGE as u64 + 1, flags), 0);
        let t = model::trace();
        assert_eq!(
            (t.mlocks, t.mlock_start, t.mlock_len),
            (1, pages.at(0), 3 * PAGE)
        );
        assert_eq!(locked() - before, 3 * PAGE as u64, "VmLck");
        // SAFETY: unlocks what was locked.
        assert_eq!(unsafe { munlock(pages.at(0), 3 * PAGE) }, 0);
    }
}

#[test]
fn an_unprivileged_caller_is_held_to_its_limit() {
    let pages = Pages::new(4);
    let p = pages.at(0);
    let lwp = ModelLwp::on_cpu(0);
    lwp.set_ids(NOBODY, NOBODY);
    // Each limit in a child: it is the process's. The host's answer is the
    // child's own, as nobody; the module's from the model's LWP.
    for (what, limit, len, want) in [
        ("limit 0: EPERM, even for nothing", 0, 0, -1),
        ("limit 0: EPERM", 0, 4096, -1),
        ("below a page: ENOMEM", 4095, 4096, -12),
        ("two pages past one: ENOMEM", 4096, 8192, -12),
        ("bad flags first", 0, 4096, -22),
    ] {
        let flags = if want == -22 { 4 } else { 0 };
        let code = model::in_child(|| {
            let rl = [limit, limit];
            // SAFETY: the child's own limit.
            unsafe { setrlimit(RLIMIT_MEMLOCK, &rl) };
            let module = module(&lwp, p, len, flags);
            // SAFETY: the child's own IDs, for the host's answer.
            unsafe { setresuid(NOBODY, NOBODY, NOBODY) };
            let host = host(p, len, flags);
            i32::from(module == want) << 1 | i32::from(host == want)
        });
        assert_eq!(code, 3, "{what}: module ok, host ok bits");
    }
}

unsafe extern "C" {
    fn setresuid(r: u32, e: u32, s: u32) -> i32;
}

#[test]
fn the_superuser_goes_past_its_limit_as_far_as_netbsd_lets_it() {
    let pages = Pages::new(4);
    let lwp = ModelLwp::on_cpu(0);
    let code = model::in_child(|| {
        let rl = [4096u64, 4096];
        // SAFETY: the child's own limit.
        unsafe { setrlimit(RLIMIT_MEMLOCK, &rl) };
        // Past Linux's check (the superuser may), then NetBSD's sys_mlock,
        // which holds everyone to the limit: EAGAIN (the deviation).
        let module = module(&lwp, pages.at(0), 2 * PAGE as u64, 0);
        let host = host(pages.at(0), 2 * PAGE as u64, 0);
        i32::from(module == -11) << 1 | i32::from(host == 0)
    });
    assert_eq!(code, 3);
}
