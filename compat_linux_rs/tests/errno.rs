//! Tests of `errno.rs`.

use super::*;

#[test]
fn check_maps_kernel_results() {
    assert_eq!(Errno::check(0), Ok(()));
    assert_eq!(Errno::check(sys::EFAULT as i32), Err(Errno::EFAULT));
    assert_eq!(Errno::EFAULT.get(), sys::EFAULT as i32);
    assert_eq!(Errno::check(sys::ERESTART).map_err(Errno::get), Err(-3));
    // Not errno values: kept in the dispatcher's table range.
    assert_eq!(Errno::check(-2), Err(Errno::EINVAL));
    assert_eq!(Errno::check(-1000), Err(Errno::EINVAL));
    assert_eq!(Errno::check(sys::ELAST as i32 + 1), Err(Errno::EINVAL));
}
