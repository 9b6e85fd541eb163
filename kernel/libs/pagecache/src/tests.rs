use alloc::vec;
use alloc::vec::Vec;

use super::*;

fn cache(max_pages: usize, dirty_limit: usize) -> PageCache<Vec<u64>> {
    PageCache::new(Limits { max_pages, dirty_limit, dirty_expire: 5000 })
}

fn k(index: u64) -> Key {
    Key::new(1, index)
}

#[test]
fn evicts_least_recently_used_clean_pages_only() {
    let mut c = cache(3, 10);
    c.insert(k(0), vec![0], false, 0);
    c.insert(k(1), vec![1], true, 0);
    c.insert(k(2), vec![2], false, 0);
    assert!(c.is_full());
    c.get(k(0));
    // k(2) is the least recently used clean page; k(1) is dirty.
    assert_eq!(c.evict_clean(1), vec![vec![2]]);
    assert_eq!(c.evict_clean(5), vec![vec![0]]);
    assert_eq!(c.len(), 1);
    assert!(c.is_dirty(k(1)));
}

#[test]
fn dirty_pages_leave_the_lru_until_written_back() {
    let mut c = cache(8, 10);
    c.insert(k(0), vec![0], false, 0);
    *c.get_mut(k(0), 7).unwrap() = vec![9];
    assert_eq!(c.clean_len(), 0);
    assert!(c.evict_clean(4).is_empty());
    let run = c.next_run(Key::new(0, 0), None, 16).unwrap();
    assert_eq!(run, Run { dev: 1, first: 0, count: 1 });
    c.mark_clean(run);
    assert_eq!(c.dirty_len(), 0);
    assert_eq!(c.evict_clean(4), vec![vec![9]]);
}

#[test]
fn runs_merge_consecutive_pages_of_one_device() {
    let mut c = cache(64, 64);
    for i in [3, 4, 5, 7, 8] {
        c.insert(k(i), vec![], true, 0);
    }
    c.insert(Key::new(2, 0), vec![], true, 0);
    c.insert(k(6), vec![], false, 0);
    let r = c.next_run(Key::new(0, 0), None, 16).unwrap();
    assert_eq!(r, Run { dev: 1, first: 3, count: 3 });
    let r2 = c.next_run(Key::new(1, 6), None, 16).unwrap();
    assert_eq!(r2, Run { dev: 1, first: 7, count: 2 });
    // `max` splits a run; a device filter skips the others.
    assert_eq!(c.next_run(Key::new(0, 0), None, 2).unwrap().count, 2);
    assert_eq!(c.next_run(Key::new(0, 0), Some(2), 16).unwrap(), Run { dev: 2, first: 0, count: 1 });
    assert_eq!(c.next_run(Key::new(2, 1), Some(2), 16), None);
    assert!(c.has_dirty(Some(2)));
    assert!(!c.has_dirty(Some(3)));
}

#[test]
fn dirty_limit_and_expiry() {
    let mut c = cache(64, 2);
    assert!(!c.expired(1_000_000));
    c.insert(k(0), vec![], true, 100);
    c.insert(k(1), vec![], true, 200);
    assert!(!c.over_dirty_limit());
    c.insert(k(2), vec![], true, 300);
    assert!(c.over_dirty_limit());
    assert!(!c.expired(5099));
    assert!(c.expired(5100));
    let r = c.next_run(Key::new(0, 0), None, 16).unwrap();
    c.mark_clean(r);
    assert!(!c.expired(1_000_000));
}

#[test]
fn insert_replaces_and_remove_reports_dirty() {
    let mut c = cache(8, 8);
    assert_eq!(c.insert(k(0), vec![1], true, 0), None);
    assert_eq!(c.insert(k(0), vec![2], false, 0), Some(vec![1]));
    assert_eq!(c.dirty_len(), 0);
    assert_eq!(c.remove(k(0)), Some((vec![2], false)));
    assert!(c.is_empty());
}

#[test]
fn evict_device_keeps_dirty_pages_and_other_devices() {
    let mut c = cache(8, 8);
    c.insert(k(0), vec![0], false, 0);
    c.insert(k(1), vec![1], true, 0);
    c.insert(Key::new(2, 0), vec![2], false, 0);
    assert_eq!(c.evict_device(1), vec![vec![0]]);
    assert_eq!(c.len(), 2);
}

/// Random operations against a model: the sets the cache reports agree
/// with a plain map of (page, dirty), and eviction never loses dirty data.
#[test]
fn random_operations_match_a_model() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut c = cache(16, 8);
    let mut model: BTreeMap<Key, (u64, bool)> = BTreeMap::new();
    for step in 0..20_000u64 {
        let key = Key::new((next() % 2) as u32, next() % 24);
        match next() % 6 {
            0 | 1 => {
                if c.is_full() {
                    for p in c.evict_clean(2) {
                        let (k, _) = model.iter().find(|(_, v)| v.0 == p[0] && !v.1).map(|(k, v)| (*k, *v)).unwrap();
                        model.remove(&k);
                    }
                }
                if !c.is_full() || c.contains(key) {
                    let dirty = next() % 2 == 0 || model.get(&key).is_some_and(|v| v.1);
                    c.insert(key, vec![step], dirty, step);
                    model.insert(key, (step, dirty));
                }
            }
            2 => {
                if let Some(p) = c.get_mut(key, step) {
                    p[0] = step;
                    model.insert(key, (step, true));
                }
            }
            3 => {
                assert_eq!(c.get(key).map(|p| p[0]), model.get(&key).map(|v| v.0));
            }
            4 => {
                if let Some(r) = c.next_run(key, None, 4) {
                    for kk in r.keys() {
                        assert!(model.get(&kk).unwrap().1);
                        model.get_mut(&kk).unwrap().1 = false;
                    }
                    c.mark_clean(r);
                }
            }
            _ => {
                assert_eq!(c.remove(key).map(|(p, d)| (p[0], d)), model.remove(&key));
            }
        }
        assert_eq!(c.len(), model.len());
        assert_eq!(c.dirty_len(), model.values().filter(|v| v.1).count());
        assert_eq!(c.clean_len() + c.dirty_len(), c.len());
    }
}

#[test]
fn spans_join_nearby_runs_across_small_gaps() {
    let mut c = cache(64, 64);
    for i in [0, 1, 5, 6, 20, 40] {
        c.insert(k(i), vec![], true, 0);
    }
    // 0-1 and 5-6 join across the gap 2-4; 20 is too far.
    assert_eq!(c.next_span(Key::new(0, 0), None, 16, 3), Some(Run { dev: 1, first: 0, count: 7 }));
    assert_eq!(c.next_span(Key::new(1, 7), None, 16, 3), Some(Run { dev: 1, first: 20, count: 1 }));
    // `max` caps the whole span.
    assert_eq!(c.next_span(Key::new(0, 0), None, 6, 3), Some(Run { dev: 1, first: 0, count: 2 }));
    assert_eq!(c.next_span(Key::new(0, 0), None, 64, 30), Some(Run { dev: 1, first: 0, count: 41 }));
    c.mark_clean(Run { dev: 1, first: 0, count: 41 });
    assert_eq!(c.dirty_len(), 0);
}
