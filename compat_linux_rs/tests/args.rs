//! Tests of `args.rs`.

use super::*;

#[test]
fn narrow_arguments_ignore_the_upper_half() {
    let args = SyscallArgs::from_registers([
        0xdead_beef_ffff_fff6_u64 as register_t,
        0x1234_5678_0000_0007,
        -1,
        0,
        0,
        0,
    ]);
    assert_eq!(args.int::<0>(), -10);
    assert_eq!(args.uint::<1>(), 7);
    assert_eq!(args.u64::<2>(), u64::MAX);
    assert!(args.ptr::<3, u32>().is_null());
    assert!(!args.ptr::<2, u32>().is_null());
}
