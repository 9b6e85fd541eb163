//! The rules of setuid/setreuid/setresuid (and their gid twins, the same
//! rules on the group triple), as Linux's `__sys_setuid`, `__sys_setreuid`
//! and `__sys_setresuid` apply them. A triple is (real, effective, saved);
//! `privileged` is the caller having euid 0 (CAP_SETUID/CAP_SETGID).

/// `-1` as a u32: "leave this id unchanged".
const KEEP: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetError {
    /// Not allowed for an unprivileged caller (EPERM).
    NotPermitted,
    /// `-1` where an id is required (EINVAL).
    Invalid,
}

type Triple = (u32, u32, u32);

/// setuid(2): root sets all three; others may set the effective id to the
/// real or saved one.
pub fn setid(old: Triple, privileged: bool, id: u32) -> Result<Triple, SetError> {
    if id == KEEP {
        return Err(SetError::Invalid);
    }
    if privileged {
        Ok((id, id, id))
    } else if id == old.0 || id == old.2 {
        Ok((old.0, id, old.2))
    } else {
        Err(SetError::NotPermitted)
    }
}

/// setreuid(2): an unprivileged real id may become the real or effective
/// one, an effective id any of the three. The saved id follows the new
/// effective one when the real id is set or the effective id moves off the
/// old real one.
pub fn setre(old: Triple, privileged: bool, r: u32, e: u32) -> Result<Triple, SetError> {
    let (or, oe, os) = old;
    let mut new = old;
    if r != KEEP {
        if !privileged && r != or && r != oe {
            return Err(SetError::NotPermitted);
        }
        new.0 = r;
    }
    if e != KEEP {
        if !privileged && e != or && e != oe && e != os {
            return Err(SetError::NotPermitted);
        }
        new.1 = e;
    }
    if r != KEEP || (e != KEEP && e != or) {
        new.2 = new.1;
    }
    Ok(new)
}

/// setresuid(2): unprivileged, each id given must be one of the old three.
pub fn setres(old: Triple, privileged: bool, r: u32, e: u32, s: u32) -> Result<Triple, SetError> {
    let allowed = |id: u32| privileged || id == KEEP || id == old.0 || id == old.1 || id == old.2;
    if !(allowed(r) && allowed(e) && allowed(s)) {
        return Err(SetError::NotPermitted);
    }
    let pick = |id: u32, was: u32| if id == KEEP { was } else { id };
    Ok((pick(r, old.0), pick(e, old.1), pick(s, old.2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setuid_rules() {
        assert_eq!(setid((0, 0, 0), true, 1000), Ok((1000, 1000, 1000)));
        assert_eq!(setid((1000, 1000, 1000), false, 0), Err(SetError::NotPermitted));
        assert_eq!(setid((1000, 0, 5), false, 5), Ok((1000, 5, 5)));
        assert_eq!(setid((0, 0, 0), true, KEEP), Err(SetError::Invalid));
    }

    #[test]
    fn setreuid_rules() {
        assert_eq!(setre((1000, 1000, 1000), false, KEEP, 0), Err(SetError::NotPermitted));
        assert_eq!(setre((1000, 2000, 2000), false, 2000, 1000), Ok((2000, 1000, 1000)));
        assert_eq!(setre((1000, 1000, 2000), false, KEEP, 2000), Ok((1000, 2000, 2000)));
        assert_eq!(setre((0, 0, 0), true, 5, 6), Ok((5, 6, 6)));
        assert_eq!(setre((7, 7, 7), false, KEEP, KEEP), Ok((7, 7, 7)));
    }

    #[test]
    fn setresuid_rules() {
        assert_eq!(setres((0, 0, 0), true, 1, 2, 3), Ok((1, 2, 3)));
        assert_eq!(setres((1, 2, 3), false, 3, 1, KEEP), Ok((3, 1, 3)));
        assert_eq!(setres((1, 2, 3), false, 4, KEEP, KEEP), Err(SetError::NotPermitted));
    }
}
