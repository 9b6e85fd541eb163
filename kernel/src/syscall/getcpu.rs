//! getcpu(2): CPU 0, node 0 (each pointer may be NULL).

use super::args::UserPtr;
use super::SyscallResult;

pub fn sys_getcpu(cpu: UserPtr<u32>, node: UserPtr<u32>) -> SyscallResult {
    for at in [cpu, node].into_iter().flat_map(UserPtr::nonnull) {
        at.write(&0)?;
    }
    Ok(0)
}
