//! The interface ioctls every inet, packet and netlink socket answers
//! (Linux's `dev_ioctl`/`devinet_ioctl`/`ip_rt_ioctl`), over the same
//! tables NETLINK_ROUTE changes: SIOCGIFCONF, SIOCGIFNAME, SIOCGIFINDEX,
//! SIOCG/SIFFLAGS, SIOCG/SIFADDR, NETMASK, BRDADDR, SIOCG/SIFMTU,
//! SIOCGIFHWADDR, SIOCGIFTXQLEN, SIOCADDRT/SIOCDELRT. Changes need root.

use alloc::vec::Vec;

use kernel_abi::Errno;
use kernel_netlink::{Addr, Route, Rtnl, IFF_UP, RTPROT_BOOT, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE};

use super::stack;
use crate::mm::usercopy::{copy_from_user, copy_str_from_user, copy_to_user};

pub const FIONREAD: u32 = 0x541b;
pub const SIOCOUTQ: u32 = 0x5411;
const SIOCADDRT: u32 = 0x890b;
const SIOCDELRT: u32 = 0x890c;
const SIOCGIFNAME: u32 = 0x8910;
const SIOCGIFCONF: u32 = 0x8912;
const SIOCGIFFLAGS: u32 = 0x8913;
const SIOCSIFFLAGS: u32 = 0x8914;
const SIOCGIFADDR: u32 = 0x8915;
const SIOCSIFADDR: u32 = 0x8916;
const SIOCGIFBRDADDR: u32 = 0x8919;
const SIOCSIFBRDADDR: u32 = 0x891a;
const SIOCGIFNETMASK: u32 = 0x891b;
const SIOCSIFNETMASK: u32 = 0x891c;
const SIOCGIFMTU: u32 = 0x8921;
const SIOCSIFMTU: u32 = 0x8922;
const SIOCGIFHWADDR: u32 = 0x8927;
const SIOCGIFINDEX: u32 = 0x8933;
const SIOCGIFTXQLEN: u32 = 0x8942;

const IFREQ: usize = 40;
const AF_INET: u16 = 2;
const RTF_GATEWAY: u16 = 0x2;
const RTF_HOST: u16 = 0x4;

fn privileged() -> bool {
    crate::syscall::current::is_privileged(&crate::process::current_creds())
}

fn sin(a: [u8; 4]) -> [u8; 16] {
    let mut s = [0u8; 16];
    s[..2].copy_from_slice(&AF_INET.to_le_bytes());
    s[4..8].copy_from_slice(&a);
    s
}

fn sin_addr(b: &[u8]) -> Result<[u8; 4], Errno> {
    if u16::from_le_bytes([b[0], b[1]]) != AF_INET {
        return Err(Errno::EINVAL);
    }
    Ok([b[4], b[5], b[6], b[7]])
}

fn first_addr(t: &Rtnl, index: u32) -> Option<Addr> {
    t.addrs.iter().find(|a| a.index == index).copied()
}

/// The classful prefix SIOCSIFADDR gives a new address (as Linux's
/// inet_abc_len).
fn classful(a: [u8; 4]) -> u8 {
    match a[0] {
        0..=127 => 8,
        128..=191 => 16,
        _ => 24,
    }
}

fn brd(a: [u8; 4], prefix: u8) -> [u8; 4] {
    (u32::from_be_bytes(a) | !kernel_netlink::mask(prefix)).to_be_bytes()
}

/// Handles `cmd` if it is an interface request; ENOTTY otherwise.
pub fn ioctl(cmd: u32, arg: u64) -> Result<usize, Errno> {
    match cmd {
        SIOCGIFCONF => return ifconf(arg),
        SIOCADDRT | SIOCDELRT => return route(cmd, arg),
        SIOCGIFNAME | SIOCGIFFLAGS | SIOCSIFFLAGS | SIOCGIFADDR | SIOCSIFADDR | SIOCGIFBRDADDR | SIOCSIFBRDADDR
        | SIOCGIFNETMASK | SIOCSIFNETMASK | SIOCGIFMTU | SIOCSIFMTU | SIOCGIFHWADDR | SIOCGIFINDEX | SIOCGIFTXQLEN => {}
        // Other device requests (SIOCDEVPRIVATE, ...) name a device first.
        0x8900..=0x89ff => {
            let mut req = [0u8; IFREQ];
            copy_from_user(&mut req, arg)?;
            let end = req[..16].iter().position(|&c| c == 0).unwrap_or(16);
            let known = stack::RTNL.lock().index_of(&req[..end]).is_some();
            return Err(if known { Errno::EOPNOTSUPP } else { Errno::ENODEV });
        }
        _ => return Err(Errno::ENOTTY),
    }
    let mut req = [0u8; IFREQ];
    copy_from_user(&mut req, arg)?;
    let setter = matches!(cmd, SIOCSIFFLAGS | SIOCSIFADDR | SIOCSIFBRDADDR | SIOCSIFNETMASK | SIOCSIFMTU);
    if setter && !privileged() {
        return Err(Errno::EPERM);
    }
    let out = stack::with_rtnl(|t| {
        let r = one(t, cmd, &mut req);
        let changed = setter && r.is_ok();
        (r, changed)
    });
    out?;
    if !setter {
        copy_to_user(arg, &req)?;
    }
    Ok(0)
}

fn one(t: &mut Rtnl, cmd: u32, req: &mut [u8; IFREQ]) -> Result<(), Errno> {
    if cmd == SIOCGIFNAME {
        let index = i32::from_le_bytes([req[16], req[17], req[18], req[19]]);
        let l = t.link(index as u32).ok_or(Errno::ENODEV)?;
        req[..16].fill(0);
        req[..l.name.len()].copy_from_slice(l.name.as_bytes());
        return Ok(());
    }
    let end = req[..16].iter().position(|&c| c == 0).unwrap_or(16);
    let index = t.index_of(&req[..end]).ok_or(Errno::ENODEV)?;
    let field = &mut req[16..];
    match cmd {
        SIOCGIFINDEX => field[..4].copy_from_slice(&(index as i32).to_le_bytes()),
        SIOCGIFFLAGS => {
            let f = t.link(index).expect("indexed").visible_flags();
            field[..2].copy_from_slice(&(f as u16).to_le_bytes());
        }
        SIOCSIFFLAGS => {
            let f = u16::from_le_bytes([field[0], field[1]]) as u32;
            let l = t.link_mut(index).expect("indexed");
            l.flags = (l.flags & !IFF_UP) | (f & IFF_UP);
        }
        SIOCGIFMTU => field[..4].copy_from_slice(&(t.link(index).expect("indexed").mtu as i32).to_le_bytes()),
        SIOCSIFMTU => {
            let mtu = i32::from_le_bytes([field[0], field[1], field[2], field[3]]);
            let l = t.link_mut(index).expect("indexed");
            if mtu < 68 || (l.kind == kernel_netlink::ARPHRD_ETHER && mtu > 1500) {
                return Err(Errno::EINVAL);
            }
            l.mtu = mtu as u32;
        }
        SIOCGIFHWADDR => {
            let l = t.link(index).expect("indexed");
            field[..16].fill(0);
            field[..2].copy_from_slice(&l.kind.to_le_bytes());
            field[2..8].copy_from_slice(&l.mac);
        }
        SIOCGIFTXQLEN => field[..4].copy_from_slice(&1000i32.to_le_bytes()),
        SIOCGIFADDR | SIOCGIFNETMASK | SIOCGIFBRDADDR => {
            let a = first_addr(t, index).ok_or(Errno::EADDRNOTAVAIL)?;
            let v = match cmd {
                SIOCGIFADDR => a.addr,
                SIOCGIFNETMASK => kernel_netlink::mask(a.prefix).to_be_bytes(),
                _ => a.broadcast.unwrap_or([0; 4]),
            };
            field[..16].copy_from_slice(&sin(v));
        }
        SIOCSIFADDR => {
            let a = sin_addr(field)?;
            let old = first_addr(t, index);
            if let Some(o) = old {
                let _ = t.del_addr(index, Some(o.addr));
            }
            if a != [0; 4] {
                let prefix = classful(a);
                t.add_addr(Addr { index, addr: a, prefix, broadcast: Some(brd(a, prefix)) }).map_err(errno)?;
            }
        }
        SIOCSIFNETMASK => {
            let m = sin_addr(field)?;
            let prefix = kernel_netlink::prefix_of_mask(m).ok_or(Errno::EINVAL)?;
            let o = first_addr(t, index).ok_or(Errno::EADDRNOTAVAIL)?;
            t.del_addr(index, Some(o.addr)).map_err(errno)?;
            t.add_addr(Addr { prefix, broadcast: Some(brd(o.addr, prefix)), ..o }).map_err(errno)?;
        }
        SIOCSIFBRDADDR => {
            let b = sin_addr(field)?;
            let a = t.addrs.iter_mut().find(|a| a.index == index).ok_or(Errno::EADDRNOTAVAIL)?;
            a.broadcast = Some(b);
        }
        _ => return Err(Errno::ENOTTY),
    }
    Ok(())
}

fn errno(e: i32) -> Errno {
    Errno::from_raw(e).unwrap_or(Errno::EINVAL)
}

/// SIOCGIFCONF: one `ifreq` (name, address) per interface with an IPv4
/// address; a NULL buffer asks for the length needed.
fn ifconf(arg: u64) -> Result<usize, Errno> {
    let mut hdr = [0u8; 16];
    copy_from_user(&mut hdr, arg)?;
    let len = i32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
    let buf = u64::from_le_bytes(hdr[8..16].try_into().expect("8 bytes"));
    let t = stack::snapshot();
    let mut out: Vec<u8> = Vec::new();
    for a in &t.addrs {
        let Some(l) = t.link(a.index) else { continue };
        let mut r = [0u8; IFREQ];
        r[..l.name.len()].copy_from_slice(l.name.as_bytes());
        r[16..32].copy_from_slice(&sin(a.addr));
        out.extend_from_slice(&r);
    }
    let n = if buf == 0 {
        out.len()
    } else {
        let room = (len.max(0) as usize / IFREQ) * IFREQ;
        let n = out.len().min(room);
        copy_to_user(buf, &out[..n])?;
        n
    };
    copy_to_user(arg, &(n as i32).to_le_bytes())?;
    Ok(0)
}

/// SIOCADDRT/SIOCDELRT with a `struct rtentry` (arm64 layout: rt_dst at
/// 8, rt_gateway at 24, rt_genmask at 40, rt_flags at 56, rt_metric at
/// 80, rt_dev at 88).
fn route(cmd: u32, arg: u64) -> Result<usize, Errno> {
    if !privileged() {
        return Err(Errno::EPERM);
    }
    let mut rt = [0u8; 120];
    copy_from_user(&mut rt, arg)?;
    let dst = sin_addr(&rt[8..24])?;
    let flags = u16::from_le_bytes([rt[56], rt[57]]);
    let gateway = if flags & RTF_GATEWAY != 0 { Some(sin_addr(&rt[24..40])?) } else { None };
    let prefix = if flags & RTF_HOST != 0 {
        32
    } else {
        let m = [rt[44], rt[45], rt[46], rt[47]];
        kernel_netlink::prefix_of_mask(m).ok_or(Errno::EINVAL)?
    };
    let metric = i16::from_le_bytes([rt[80], rt[81]]).max(0) as u32;
    let dev_ptr = u64::from_le_bytes(rt[88..96].try_into().expect("8 bytes"));
    let mut name = [0u8; 16];
    let oif_name = if dev_ptr != 0 {
        let n = copy_str_from_user(&mut name, dev_ptr).map_err(|_| Errno::EFAULT)?;
        Some(name[..n].to_vec())
    } else {
        None
    };
    stack::with_rtnl(|t| {
        let oif = match &oif_name {
            Some(n) => match t.index_of(n) {
                Some(i) => Some(i),
                None => return (Err(Errno::ENODEV), false),
            },
            None => None,
        };
        let r = if cmd == SIOCADDRT {
            let oif = oif.or_else(|| {
                let g = gateway.unwrap_or(dst);
                t.addrs.iter().find(|a| kernel_netlink::in_subnet(g, a.addr, a.prefix)).map(|a| a.index)
            });
            match oif {
                Some(oif) => t
                    .add_route(
                        Route {
                            dst,
                            prefix,
                            gateway,
                            oif,
                            protocol: RTPROT_BOOT,
                            scope: if gateway.is_some() { RT_SCOPE_UNIVERSE } else { RT_SCOPE_LINK },
                            prefsrc: None,
                            metric: metric.saturating_sub(1),
                        },
                        true,
                    )
                    .map_err(errno),
                None => Err(Errno::ENETUNREACH),
            }
        } else {
            t.del_route(dst, prefix, oif, gateway).map_err(errno)
        };
        let ok = r.is_ok();
        (r.map(|()| 0), ok)
    })
}
