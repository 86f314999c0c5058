//! Tests of `process_vm.rs`'s page-by-page retry.

use super::*;

#[test]
fn prefix_stops_at_the_first_failing_page() {
    // 10 000 bytes from 0x1ff0: pages end at 0x2000, 0x3000, 0x4000.
    let mut calls = Vec::new();
    let done = prefix(0x1ff0, 10_000, |at, range| {
        calls.push((at, range.clone()));
        if at >= 0x3000 {
            Err(Errno::EFAULT)
        } else {
            Ok(())
        }
    });
    assert_eq!(done, 0x10 + 0x1000);
    assert_eq!(
        calls,
        [(0x1ff0, 0..16), (0x2000, 16..4112), (0x3000, 4112..8208)]
    );
    assert_eq!(prefix(0x1000, 100, |_, _| Ok(())), 100);
    assert_eq!(prefix(0x1000, 0, |_, _| Err(Errno::EFAULT)), 0);
}
