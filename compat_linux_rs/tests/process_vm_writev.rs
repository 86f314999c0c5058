//! Tests of `process_vm_writev.rs`: the module through the model against
//! the host's own process_vm_writev, this test process being the other
//! process.

use super::*;
use crate::model::{
    self, Iov, ModelLwp, NOBODY, PAGE, PROT_NONE, PROT_READ, Pages, assert_balanced, iov,
};

fn regs(pid: u64, local: &[Iov], remote: &[Iov]) -> [u64; 6] {
    [
        pid,
        local.as_ptr() as u64,
        local.len() as u64,
        remote.as_ptr() as u64,
        remote.len() as u64,
        0,
    ]
}

fn pid() -> u64 {
    u64::from(std::process::id())
}

/// Writes `local` (offsets and lengths in a source of `len` bytes) to
/// pages laid out as `remote` gives (offsets and lengths in `n` fresh
/// pages, page `damaged` given `prot`, or unmapped for -1), by the module
/// and by the host, each into its own pages; same result and bytes.
fn same(
    local: &[(usize, usize)],
    remote: &[(usize, usize)],
    n: usize,
    damaged: Option<(usize, i32)>,
) -> i64 {
    let source: Vec<u8> = (0..200_000).map(|i| (i * 7 % 256) as u8).collect();
    let local: Vec<Iov> = local
        .iter()
        .map(|&(off, len)| iov(source.as_ptr() as u64 + off as u64, len))
        .collect();
    let lwp = ModelLwp::on_cpu(0);
    let mut results = Vec::new();
    let mut contents = Vec::new();
    for by_module in [true, false] {
        let pages = Pages::new(n);
        if let Some((page, prot)) = damaged {
            if prot < 0 {
                pages.unmap(page);
            } else {
                pages.protect(page, prot);
            }
        }
        let remote: Vec<Iov> = remote
            .iter()
            .map(|&(off, len)| iov(pages.at(off), len))
            .collect();
        let r = regs(pid(), &local, &remote);
        results.push(if by_module {
            model::trace_reset();
            let got = model::linux_value(model::call(&lwp, NR, r));
            assert_balanced();
            got
        } else {
            model::host(NR, r).unwrap_or_else(|e| -i64::from(e))
        });
        let readable: Vec<u8> = (0..n * PAGE)
            .filter(|&off| damaged.is_none_or(|(page, prot)| off / PAGE != page || prot > 0))
            .map(|off| pages.get(off))
            .collect();
        contents.push(readable);
    }
    assert_eq!(results[0], results[1], "module vs host");
    assert!(contents[0] == contents[1], "the bytes written differ");
    results[0]
}

#[test]
fn writes_another_process_in_order_across_vectors() {
    let local = [(0, 10), (10, 70_000), (70_010, 0), (70_010, 5)];
    let remote = [(3, 40_000), (50_000, 0), (60_000, 30_015)];
    assert_eq!(same(&local, &remote, 30, None), 70_015);
}

#[test]
fn a_read_only_or_missing_remote_page_stops_the_copy_before_it() {
    for damage in [(2, PROT_READ), (2, PROT_NONE), (2, -1)] {
        let remote = [(PAGE + 100, 3 * PAGE)];
        assert_eq!(
            same(&[(0, 3 * PAGE)], &remote, 4, Some(damage)),
            (PAGE - 100) as i64,
            "{damage:?}"
        );
        // Nothing written at all: EFAULT.
        assert_eq!(same(&[(0, 10)], &[(2 * PAGE, 10)], 4, Some(damage)), -14);
    }
}

#[test]
fn an_unreadable_local_byte_stops_the_copy_before_it() {
    let pages = Pages::new(3);
    pages.protect(1, PROT_NONE);
    let target = Pages::new(1);
    let lwp = ModelLwp::on_cpu(0);
    let local = [iov(pages.at(PAGE - 20), 100)];
    let remote = [iov(target.at(0), 100)];
    assert_eq!(
        model::linux_value(model::call(&lwp, NR, regs(pid(), &local, &remote))),
        20
    );
    assert_eq!(model::host(NR, regs(pid(), &local, &remote)), Ok(20));
    assert_eq!(target.get(19), pages.get(PAGE - 1));
}

#[test]
fn unprivileged_writes_to_root_processes_are_refused() {
    let target = Pages::new(1);
    let data = [1u8; 8];
    let local = [iov(data.as_ptr() as u64, 8)];
    let remote = [iov(target.at(0), 8)];
    let lwp = ModelLwp::on_cpu(0);
    lwp.set_ids(NOBODY, NOBODY);
    assert_eq!(
        model::linux_value(model::call(&lwp, NR, regs(pid(), &local, &remote))),
        -1
    );
    assert_eq!(target.get(0), 0, "nothing written");
}
