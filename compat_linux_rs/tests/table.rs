//! Tests of `table.rs`.

use super::*;

#[test]
fn table_is_sorted_and_in_range() {
    assert_eq!(clrs_nsyscalls, clrs_syscalls.len());
    for pair in clrs_syscalls.windows(2) {
        assert!(pair[0].cs_code < pair[1].cs_code, "unsorted or duplicate");
    }
    for cs in &clrs_syscalls {
        assert!(u32::from(cs.cs_code) < sys::CLRS_LINUX_NSYSENT);
        assert!(cs.cs_narg <= 6);
        assert!(cs.cs_call.is_some());
    }
}

#[test]
fn table_lists_the_implemented_calls() {
    let numbers: Vec<(u16, u16)> = clrs_syscalls
        .iter()
        .map(|cs| (cs.cs_code, cs.cs_narg))
        .collect();
    assert_eq!(
        numbers,
        [
            (220, 4),
            (277, 4),
            (306, 1),
            (309, 3),
            (310, 6),
            (311, 6),
            (316, 5),
            (324, 3),
            (325, 3),
            (326, 6),
            (327, 6),
            (328, 6),
            (424, 4),
            (434, 2),
            (435, 2),
            (437, 4),
            (438, 3),
            (439, 4),
            (452, 4)
        ]
    );
}

#[test]
fn null_lwp_is_einval() {
    let frame = [0 as register_t; 6];
    let mut retval: register_t = 0;
    // SAFETY: readable registers and a result slot; the LWP is NULL on
    // purpose.
    let error = unsafe {
        dispatch(
            core::ptr::null_mut(),
            frame.as_ptr().cast(),
            &mut retval,
            |_, _| Ok(1),
        )
    };
    assert_eq!(error, sys::EINVAL as c_int);
    assert_eq!(retval, 0);
}
