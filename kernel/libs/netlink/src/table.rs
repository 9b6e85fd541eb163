//! The interface, address and route tables and the rtnetlink requests over
//! them, with Linux's side effects: an address brings its subnet route,
//! deleting it takes that route and the routes whose gateway it made
//! reachable; a gateway must be on a connected subnet (ENETUNREACH).

use alloc::string::String;
use alloc::vec::Vec;

use crate::msg::*;

pub const ENETUNREACH: i32 = 101;

/// Counters of one interface (the first fields of `rtnl_link_stats` and
/// /proc/net/dev).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Interface index, from 1.
    pub index: u32,
    pub name: String,
    /// IFF_* as set by the administrator (IFF_UP, IFF_BROADCAST, ...);
    /// RUNNING and LOWER_UP are reported while up.
    pub flags: u32,
    pub mtu: u32,
    pub mac: [u8; 6],
    /// ARPHRD_ETHER or ARPHRD_LOOPBACK.
    pub kind: u16,
    pub stats: Stats,
}

impl Link {
    pub fn up(&self) -> bool {
        self.flags & IFF_UP != 0
    }

    /// The flags user space sees (SIOCGIFFLAGS, ifinfomsg).
    pub fn visible_flags(&self) -> u32 {
        if self.up() {
            self.flags | IFF_RUNNING | IFF_LOWER_UP
        } else {
            self.flags
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Addr {
    pub index: u32,
    pub addr: [u8; 4],
    pub prefix: u8,
    pub broadcast: Option<[u8; 4]>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub dst: [u8; 4],
    pub prefix: u8,
    pub gateway: Option<[u8; 4]>,
    pub oif: u32,
    pub protocol: u8,
    pub scope: u8,
    pub prefsrc: Option<[u8; 4]>,
    pub metric: u32,
}

pub fn mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix.min(32) as u32)
    }
}

pub fn in_subnet(a: [u8; 4], net: [u8; 4], prefix: u8) -> bool {
    u32::from_be_bytes(a) & mask(prefix) == u32::from_be_bytes(net) & mask(prefix)
}

fn network(a: [u8; 4], prefix: u8) -> [u8; 4] {
    (u32::from_be_bytes(a) & mask(prefix)).to_be_bytes()
}

/// The prefix length of a netmask, None when its bits are not contiguous.
pub fn prefix_of_mask(m: [u8; 4]) -> Option<u8> {
    let m = u32::from_be_bytes(m);
    let p = m.leading_ones() as u8;
    (mask(p) == m).then_some(p)
}

#[derive(Clone, Debug, Default)]
pub struct Rtnl {
    pub links: Vec<Link>,
    pub addrs: Vec<Addr>,
    pub routes: Vec<Route>,
}

impl Rtnl {
    pub fn link(&self, index: u32) -> Option<&Link> {
        self.links.iter().find(|l| l.index == index)
    }

    pub fn link_mut(&mut self, index: u32) -> Option<&mut Link> {
        self.links.iter_mut().find(|l| l.index == index)
    }

    pub fn index_of(&self, name: &[u8]) -> Option<u32> {
        self.links.iter().find(|l| l.name.as_bytes() == name).map(|l| l.index)
    }

    /// Adds an address and its subnet route (EEXIST when present).
    pub fn add_addr(&mut self, a: Addr) -> Result<(), i32> {
        if self.link(a.index).is_none() {
            return Err(ENODEV);
        }
        if a.prefix > 32 {
            return Err(EINVAL);
        }
        if self.addrs.iter().any(|x| x.index == a.index && x.addr == a.addr) {
            return Err(EEXIST);
        }
        self.addrs.push(a);
        // lo's subnet route lives in the local table (not dumped here).
        let loopback = self.link(a.index).is_some_and(|l| l.kind == ARPHRD_LOOPBACK);
        if !loopback
            && a.prefix < 32
            && !self
                .routes
                .iter()
                .any(|r| r.oif == a.index && r.dst == network(a.addr, a.prefix) && r.prefix == a.prefix)
        {
            self.routes.push(Route {
                dst: network(a.addr, a.prefix),
                prefix: a.prefix,
                gateway: None,
                oif: a.index,
                protocol: RTPROT_KERNEL,
                scope: RT_SCOPE_LINK,
                prefsrc: Some(a.addr),
                metric: 0,
            });
        }
        Ok(())
    }

    /// Deletes the address of `index` equal to `addr` (any, when None),
    /// the routes it brought and those its removal makes unreachable.
    pub fn del_addr(&mut self, index: u32, addr: Option<[u8; 4]>) -> Result<(), i32> {
        let Some(pos) = self.addrs.iter().position(|x| x.index == index && addr.is_none_or(|a| a == x.addr)) else {
            return Err(EADDRNOTAVAIL);
        };
        let gone = self.addrs.remove(pos);
        self.routes.retain(|r| r.prefsrc != Some(gone.addr));
        let addrs = self.addrs.clone();
        self.routes.retain(|r| match r.gateway {
            Some(g) => addrs.iter().any(|x| x.index == r.oif && in_subnet(g, x.addr, x.prefix)),
            None => true,
        });
        Ok(())
    }

    pub fn add_route(&mut self, r: Route, exclusive: bool) -> Result<(), i32> {
        if self.link(r.oif).is_none() {
            return Err(ENODEV);
        }
        if r.prefix > 32 {
            return Err(EINVAL);
        }
        if let Some(g) = r.gateway {
            if !self.addrs.iter().any(|x| x.index == r.oif && in_subnet(g, x.addr, x.prefix)) {
                return Err(ENETUNREACH);
            }
        }
        let r = Route { dst: network(r.dst, r.prefix), ..r };
        if let Some(old) =
            self.routes.iter_mut().find(|x| x.dst == r.dst && x.prefix == r.prefix && x.metric == r.metric)
        {
            if exclusive {
                return Err(EEXIST);
            }
            *old = r;
            return Ok(());
        }
        self.routes.push(r);
        Ok(())
    }

    /// Deletes the first route matching `dst/prefix` and, when given, the
    /// interface and gateway (ESRCH when none does).
    pub fn del_route(
        &mut self,
        dst: [u8; 4],
        prefix: u8,
        oif: Option<u32>,
        gateway: Option<[u8; 4]>,
    ) -> Result<(), i32> {
        let dst = network(dst, prefix.min(32));
        let pos = self.routes.iter().position(|r| {
            r.dst == dst
                && r.prefix == prefix
                && oif.is_none_or(|o| o == r.oif)
                && gateway.is_none_or(|g| Some(g) == r.gateway)
        });
        match pos {
            Some(p) => {
                self.routes.remove(p);
                Ok(())
            }
            None => Err(ESRCH),
        }
    }

    /// The default gateway (the first 0.0.0.0/0 route with one).
    pub fn default_gateway(&self) -> Option<([u8; 4], u32)> {
        self.routes.iter().find(|r| r.prefix == 0).and_then(|r| r.gateway.map(|g| (g, r.oif)))
    }

    /// Handles one datagram sent to the kernel: returns the reply datagram
    /// messages and whether the tables changed.
    pub fn handle(&mut self, req: &[u8], portid: u32) -> (Vec<Vec<u8>>, bool) {
        let mut out = Vec::new();
        let mut changed = false;
        for (h, body) in messages(req) {
            if h.flags & NLM_F_REQUEST == 0 {
                continue;
            }
            let result = match h.kind {
                RTM_GETLINK | RTM_GETADDR | RTM_GETROUTE if h.flags & NLM_F_DUMP == NLM_F_DUMP => {
                    self.dump(&h, body, portid, &mut out);
                    Ok(())
                }
                RTM_GETLINK => self.get_link(&h, body, portid, &mut out),
                RTM_GETADDR | RTM_GETROUTE => Err(EOPNOTSUPP),
                RTM_NEWLINK | RTM_SETLINK => self.set_link(body),
                RTM_DELLINK => Err(EOPNOTSUPP),
                RTM_NEWADDR => self.new_addr(body, h.flags),
                RTM_DELADDR => self.del_addr_msg(body),
                RTM_NEWROUTE => self.new_route(body, h.flags),
                RTM_DELROUTE => self.del_route_msg(body),
                NLMSG_NOOP | NLMSG_DONE | NLMSG_ERROR => continue,
                _ => Err(EOPNOTSUPP),
            };
            match result {
                Ok(()) => {
                    changed |= matches!(
                        h.kind,
                        RTM_NEWLINK | RTM_SETLINK | RTM_NEWADDR | RTM_DELADDR | RTM_NEWROUTE | RTM_DELROUTE
                    );
                    if h.flags & NLM_F_ACK != 0 {
                        out.push(error_msg(&h, 0, portid));
                    }
                }
                Err(e) => out.push(error_msg(&h, e, portid)),
            }
        }
        (out, changed)
    }

    fn dump(&self, h: &Header, body: &[u8], portid: u32, out: &mut Vec<Vec<u8>>) {
        let family = body.first().copied().unwrap_or(AF_UNSPEC);
        let inet = family == AF_UNSPEC || family == AF_INET;
        match h.kind {
            RTM_GETLINK => {
                for l in &self.links {
                    out.push(self.link_msg(l, RTM_NEWLINK, NLM_F_MULTI, h.seq, portid));
                }
            }
            RTM_GETADDR if inet => {
                for a in &self.addrs {
                    out.push(self.addr_msg(a, RTM_NEWADDR, NLM_F_MULTI, h.seq, portid));
                }
            }
            RTM_GETROUTE if inet => {
                // The main table in Linux's (trie) order: by destination.
                let mut routes = self.routes.clone();
                routes.sort_by_key(|r| (u32::from_be_bytes(r.dst), r.prefix, r.metric));
                for r in &routes {
                    out.push(route_msg(r, RTM_NEWROUTE, NLM_F_MULTI, h.seq, portid));
                }
            }
            _ => {}
        }
        out.push(done_msg(h, portid));
    }

    fn get_link(&self, h: &Header, body: &[u8], portid: u32, out: &mut Vec<Vec<u8>>) -> Result<(), i32> {
        let index = body.get(4..8).map_or(0, |b| i32::from_le_bytes(b.try_into().unwrap_or([0; 4])));
        let by_name = body.get(16..).map(attrs).unwrap_or_default().into_iter().find(|(k, _)| *k == IFLA_IFNAME);
        let link = if index > 0 {
            self.link(index as u32)
        } else if let Some((_, name)) = by_name {
            self.index_of(attr_str(name)).and_then(|i| self.link(i))
        } else {
            None
        };
        let l = link.ok_or(ENODEV)?;
        out.push(self.link_msg(l, RTM_NEWLINK, 0, h.seq, portid));
        Ok(())
    }

    pub fn link_msg(&self, l: &Link, kind: u16, flags: u16, seq: u32, portid: u32) -> Vec<u8> {
        let mut ifi = [0u8; 16];
        ifi[0] = AF_UNSPEC;
        ifi[2..4].copy_from_slice(&l.kind.to_le_bytes());
        ifi[4..8].copy_from_slice(&(l.index as i32).to_le_bytes());
        ifi[8..12].copy_from_slice(&l.visible_flags().to_le_bytes());
        let loopback = l.kind == ARPHRD_LOOPBACK;
        let mut stats = [0u8; 23 * 4];
        let s = &l.stats;
        for (i, v) in
            [s.rx_packets, s.tx_packets, s.rx_bytes, s.tx_bytes, s.rx_errors, s.tx_errors, s.rx_dropped, s.tx_dropped]
                .iter()
                .enumerate()
        {
            stats[i * 4..i * 4 + 4].copy_from_slice(&(*v as u32).to_le_bytes());
        }
        // IF_OPER_UP 6, IF_OPER_DOWN 2, IF_OPER_UNKNOWN 0 (loopback).
        let oper = if !l.up() {
            2
        } else if loopback {
            0
        } else {
            6
        };
        let mut b = Builder::new(kind, flags, seq, portid);
        b.bytes(&ifi)
            .attr_str(IFLA_IFNAME, l.name.as_bytes())
            .attr_u32(IFLA_TXQLEN, 1000)
            .attr(IFLA_OPERSTATE, &[oper])
            .attr_u32(IFLA_MTU, l.mtu)
            .attr_str(IFLA_QDISC, if loopback { b"noqueue" } else { b"fq_codel" })
            .attr(IFLA_ADDRESS, &l.mac)
            .attr(IFLA_BROADCAST, if loopback { &[0; 6] } else { &[0xff; 6] })
            .attr(IFLA_STATS, &stats);
        b.finish()
    }

    pub fn addr_msg(&self, a: &Addr, kind: u16, flags: u16, seq: u32, portid: u32) -> Vec<u8> {
        let loopback = a.addr[0] == 127;
        // IFA_F_PERMANENT
        let ifa = [AF_INET, a.prefix, 0x80, if loopback { RT_SCOPE_HOST } else { RT_SCOPE_UNIVERSE }];
        let mut b = Builder::new(kind, flags, seq, portid);
        let mut body = Vec::from(ifa);
        body.extend_from_slice(&a.index.to_le_bytes());
        b.bytes(&body).attr(IFA_ADDRESS, &a.addr).attr(IFA_LOCAL, &a.addr);
        if let Some(brd) = a.broadcast {
            b.attr(IFA_BROADCAST, &brd);
        }
        if let Some(l) = self.link(a.index) {
            b.attr_str(IFA_LABEL, l.name.as_bytes());
        }
        // ifa_cacheinfo: preferred and valid lifetimes forever (static
        // addresses), creation and update stamps 0.
        let mut ci = [0u8; 16];
        ci[..8].fill(0xff);
        b.attr(IFA_CACHEINFO, &ci);
        b.finish()
    }

    fn set_link(&mut self, body: &[u8]) -> Result<(), i32> {
        let index = body.get(4..8).map(|b| i32::from_le_bytes(b.try_into().unwrap_or([0; 4]))).ok_or(EINVAL)?;
        let flags = body.get(8..12).and_then(attr_u32).unwrap_or(0);
        let change = body.get(12..16).and_then(attr_u32).unwrap_or(0);
        let a = body.get(16..).map(attrs).unwrap_or_default();
        let index = if index > 0 {
            index as u32
        } else {
            let name = a.iter().find(|(k, _)| *k == IFLA_IFNAME).ok_or(EOPNOTSUPP)?.1;
            self.index_of(attr_str(name)).ok_or(ENODEV)?
        };
        let link = self.link_mut(index).ok_or(ENODEV)?;
        // Only IFF_UP can change here; other bits EOPNOTSUPP... Linux
        // ignores unchangeable ones, so do we.
        let change = if change == 0 { u32::MAX } else { change };
        if change & IFF_UP != 0 {
            link.flags = (link.flags & !IFF_UP) | (flags & IFF_UP);
        }
        for (k, v) in a {
            match k {
                IFLA_MTU => {
                    let mtu = attr_u32(v).ok_or(EINVAL)?;
                    if !(68..=1500).contains(&mtu) && link.kind == ARPHRD_ETHER {
                        return Err(EINVAL);
                    }
                    link.mtu = mtu;
                }
                IFLA_IFNAME => {}
                _ => return Err(EOPNOTSUPP),
            }
        }
        Ok(())
    }

    fn new_addr(&mut self, body: &[u8], flags: u16) -> Result<(), i32> {
        let (family, prefix, index) = ifaddr(body)?;
        if family != AF_INET {
            return Err(EOPNOTSUPP);
        }
        let mut local = None;
        let mut broadcast = None;
        for (k, v) in attrs(&body[8..]) {
            match k {
                IFA_LOCAL => local = attr_ipv4(v),
                IFA_ADDRESS => local = local.or(attr_ipv4(v)),
                IFA_BROADCAST => broadcast = attr_ipv4(v),
                _ => {}
            }
        }
        let addr = local.ok_or(EINVAL)?;
        match self.add_addr(Addr { index, addr, prefix, broadcast }) {
            Err(EEXIST) if flags & NLM_F_EXCL == 0 => Ok(()),
            r => r,
        }
    }

    fn del_addr_msg(&mut self, body: &[u8]) -> Result<(), i32> {
        let (_, _, index) = ifaddr(body)?;
        let mut local = None;
        for (k, v) in attrs(&body[8..]) {
            if k == IFA_LOCAL || (k == IFA_ADDRESS && local.is_none()) {
                local = attr_ipv4(v);
            }
        }
        self.del_addr(index, local)
    }

    fn new_route(&mut self, body: &[u8], flags: u16) -> Result<(), i32> {
        let (r, _) = rtmsg(body)?;
        let oif = match r.oif {
            0 => self.routes_oif_for(r.gateway).ok_or(ENETUNREACH)?,
            o => o,
        };
        self.add_route(Route { oif, ..r }, flags & NLM_F_EXCL != 0)
    }

    fn routes_oif_for(&self, gateway: Option<[u8; 4]>) -> Option<u32> {
        let g = gateway?;
        self.addrs.iter().find(|a| in_subnet(g, a.addr, a.prefix)).map(|a| a.index)
    }

    fn del_route_msg(&mut self, body: &[u8]) -> Result<(), i32> {
        let (r, oif_given) = rtmsg(body)?;
        self.del_route(r.dst, r.prefix, oif_given.then_some(r.oif), r.gateway)
    }
}

/// `ifaddrmsg`: family, prefix length, index.
fn ifaddr(body: &[u8]) -> Result<(u8, u8, u32), i32> {
    if body.len() < 8 {
        return Err(EINVAL);
    }
    let index = u32::from_le_bytes(body[4..8].try_into().map_err(|_| EINVAL)?);
    Ok((body[0], body[1], index))
}

/// A route from an `rtmsg` and its attributes; whether RTA_OIF was given.
fn rtmsg(body: &[u8]) -> Result<(Route, bool), i32> {
    if body.len() < 12 {
        return Err(EINVAL);
    }
    if body[0] != AF_INET && body[0] != AF_UNSPEC {
        return Err(EOPNOTSUPP);
    }
    let mut r = Route {
        dst: [0; 4],
        prefix: body[1],
        gateway: None,
        oif: 0,
        protocol: if body[5] == 0 { RTPROT_BOOT } else { body[5] },
        scope: body[6],
        prefsrc: None,
        metric: 0,
    };
    if r.prefix > 32 {
        return Err(EINVAL);
    }
    let mut oif_given = false;
    for (k, v) in attrs(&body[12..]) {
        match k {
            RTA_DST => r.dst = attr_ipv4(v).ok_or(EINVAL)?,
            RTA_GATEWAY => r.gateway = Some(attr_ipv4(v).ok_or(EINVAL)?),
            RTA_OIF => {
                r.oif = attr_u32(v).ok_or(EINVAL)?;
                oif_given = true;
            }
            RTA_PREFSRC => r.prefsrc = attr_ipv4(v),
            RTA_PRIORITY => r.metric = attr_u32(v).ok_or(EINVAL)?,
            _ => {}
        }
    }
    Ok((r, oif_given))
}

pub fn route_msg(r: &Route, kind: u16, flags: u16, seq: u32, portid: u32) -> Vec<u8> {
    let rtm = [AF_INET, r.prefix, 0, 0, RT_TABLE_MAIN, r.protocol, r.scope, RTN_UNICAST, 0, 0, 0, 0];
    let mut b = Builder::new(kind, flags, seq, portid);
    b.bytes(&rtm).attr_u32(RTA_TABLE, RT_TABLE_MAIN as u32);
    if r.prefix > 0 {
        b.attr(RTA_DST, &r.dst);
    }
    if r.metric != 0 {
        b.attr_u32(RTA_PRIORITY, r.metric);
    }
    if let Some(s) = r.prefsrc {
        b.attr(RTA_PREFSRC, &s);
    }
    if let Some(g) = r.gateway {
        b.attr(RTA_GATEWAY, &g);
    }
    b.attr_u32(RTA_OIF, r.oif);
    b.finish()
}

/// `dst/prefix` as /proc/net/route and `route` print it: little-endian hex.
pub fn hex_le(a: [u8; 4]) -> u32 {
    u32::from_le_bytes(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn rtnl() -> Rtnl {
        let lo = Link {
            index: 1,
            name: "lo".to_string(),
            flags: IFF_UP | IFF_LOOPBACK,
            mtu: 65536,
            mac: [0; 6],
            kind: ARPHRD_LOOPBACK,
            stats: Stats::default(),
        };
        let eth = Link {
            index: 2,
            name: "eth0".to_string(),
            flags: IFF_BROADCAST | IFF_MULTICAST,
            mtu: 1500,
            mac: [0x52, 0x54, 0, 0x12, 0x34, 0x56],
            kind: ARPHRD_ETHER,
            stats: Stats::default(),
        };
        let mut t = Rtnl { links: alloc::vec![lo, eth], ..Default::default() };
        t.add_addr(Addr { index: 1, addr: [127, 0, 0, 1], prefix: 8, broadcast: None }).unwrap();
        t
    }

    fn addr_req(kind: u16, flags: u16, index: u32, a: [u8; 4], prefix: u8) -> Vec<u8> {
        let mut body = alloc::vec![AF_INET, prefix, 0, 0];
        body.extend_from_slice(&index.to_le_bytes());
        Builder::new(kind, NLM_F_REQUEST | flags, 5, 0).bytes(&body).attr(IFA_LOCAL, &a).attr(IFA_ADDRESS, &a).finish()
    }

    fn route_req(kind: u16, flags: u16, gateway: Option<[u8; 4]>, oif: Option<u32>) -> Vec<u8> {
        let mut b = Builder::new(kind, NLM_F_REQUEST | flags, 6, 0);
        b.bytes(&[AF_INET, 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, 0, RTN_UNICAST, 0, 0, 0, 0]);
        if let Some(g) = gateway {
            b.attr(RTA_GATEWAY, &g);
        }
        if let Some(o) = oif {
            b.attr_u32(RTA_OIF, o);
        }
        b.finish()
    }

    fn errno_of(reply: &[u8]) -> i32 {
        let (h, body) = messages(reply)[0];
        assert_eq!(h.kind, NLMSG_ERROR);
        -i32::from_le_bytes(body[..4].try_into().unwrap())
    }

    fn dump(t: &mut Rtnl, kind: u16) -> Vec<Vec<u8>> {
        let req = Builder::new(kind, NLM_F_REQUEST | NLM_F_DUMP, 1, 0).bytes(&[AF_UNSPEC]).finish();
        t.handle(&req, 0).0
    }

    #[test]
    fn link_dump_lists_every_interface_then_done() {
        let mut t = rtnl();
        let out = dump(&mut t, RTM_GETLINK);
        assert_eq!(out.len(), 3);
        let (h, body) = messages(&out[1])[0];
        assert_eq!(h.kind, RTM_NEWLINK);
        assert_eq!(i32::from_le_bytes(body[4..8].try_into().unwrap()), 2);
        let names: Vec<_> = attrs(&body[16..])
            .into_iter()
            .filter(|(k, _)| *k == IFLA_IFNAME)
            .map(|(_, v)| attr_str(v).to_vec())
            .collect();
        assert_eq!(names, [b"eth0".to_vec()]);
        assert_eq!(messages(&out[2])[0].0.kind, NLMSG_DONE);
    }

    #[test]
    fn udhcpc_script_sequence() {
        let mut t = rtnl();
        // ip addr add 10.0.2.15/24 dev eth0
        let (out, changed) =
            t.handle(&addr_req(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 2, [10, 0, 2, 15], 24), 0);
        assert!(changed);
        assert_eq!(errno_of(&out[0]), 0);
        assert!(t.routes.iter().any(|r| r.dst == [10, 0, 2, 0] && r.prefix == 24 && r.oif == 2));
        // ip route del default dev eth0: nothing to delete yet
        let (out, _) = t.handle(&route_req(RTM_DELROUTE, NLM_F_ACK, None, Some(2)), 0);
        assert_eq!(errno_of(&out[0]), ESRCH);
        // ip route add default via 10.0.2.2 dev eth0
        let (out, _) =
            t.handle(&route_req(RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, Some([10, 0, 2, 2]), Some(2)), 0);
        assert_eq!(errno_of(&out[0]), 0);
        assert_eq!(t.default_gateway(), Some(([10, 0, 2, 2], 2)));
        // a second add is EEXIST
        let (out, _) =
            t.handle(&route_req(RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, Some([10, 0, 2, 2]), Some(2)), 0);
        assert_eq!(errno_of(&out[0]), EEXIST);
        // the route dump has the default route
        let out = dump(&mut t, RTM_GETROUTE);
        assert!(out.iter().any(|m| {
            let (h, body) = messages(m)[0];
            h.kind == RTM_NEWROUTE
                && body[1] == 0
                && attrs(&body[12..]).iter().any(|(k, v)| *k == RTA_GATEWAY && *v == [10, 0, 2, 2])
        }));
        // ip addr flush dev eth0 (no ACK asked: no reply) takes both routes
        let (out, _) = t.handle(&addr_req(RTM_DELADDR, 0, 2, [10, 0, 2, 15], 24), 0);
        assert!(out.is_empty());
        assert!(t.routes.iter().all(|r| r.oif != 2));
        assert_eq!(t.default_gateway(), None);
    }

    #[test]
    fn unreachable_gateway_and_unknown_device() {
        let mut t = rtnl();
        assert_eq!(
            t.add_route(
                Route {
                    dst: [0; 4],
                    prefix: 0,
                    gateway: Some([10, 0, 2, 2]),
                    oif: 2,
                    protocol: RTPROT_BOOT,
                    scope: 0,
                    prefsrc: None,
                    metric: 0
                },
                true
            ),
            Err(ENETUNREACH)
        );
        let (out, _) = t.handle(&addr_req(RTM_NEWADDR, NLM_F_ACK, 9, [10, 0, 2, 15], 24), 0);
        assert_eq!(errno_of(&out[0]), ENODEV);
    }

    #[test]
    fn setlink_changes_up_flag_only_on_request() {
        let mut t = rtnl();
        let mut ifi = [0u8; 16];
        ifi[4..8].copy_from_slice(&2i32.to_le_bytes());
        ifi[8..12].copy_from_slice(&IFF_UP.to_le_bytes());
        ifi[12..16].copy_from_slice(&IFF_UP.to_le_bytes());
        let req = Builder::new(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 3, 0).bytes(&ifi).finish();
        let (out, changed) = t.handle(&req, 0);
        assert_eq!(errno_of(&out[0]), 0);
        assert!(changed);
        assert!(t.link(2).unwrap().up());
        assert_ne!(t.link(2).unwrap().visible_flags() & IFF_RUNNING, 0);
    }

    #[test]
    fn masks() {
        assert_eq!(prefix_of_mask([255, 255, 255, 0]), Some(24));
        assert_eq!(prefix_of_mask([0; 4]), Some(0));
        assert_eq!(prefix_of_mask([255, 0, 255, 0]), None);
        assert!(in_subnet([10, 0, 2, 2], [10, 0, 2, 15], 24));
        assert!(!in_subnet([10, 0, 3, 2], [10, 0, 2, 15], 24));
    }
}
