//! One step of a test: the dispatch from a step's kind to the console,
//! the host-side checks or the fixtures (split from `test.rs`, which owns
//! the test's life cycle).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use crate::config::{RunCheck, Step, StepKind};
use crate::console::transcript::Writer;
use crate::event::EventKind;

use super::checks::{self, check_disk_file, substitute};
use super::host_checks;
use super::launch::{HostCheck, Launcher};
use super::test::{fail, Done, StepFailure, TestRun};

impl TestRun<'_> {
    pub(super) fn step(
        &mut self,
        index: usize,
        step: &Step,
        launcher: &mut dyn Launcher,
        writer: &Rc<RefCell<Writer>>,
    ) -> Result<Done, (StepFailure, Done)> {
        let _ = index;
        let profile = self.ctx.profile;
        let step_timeout = self.timeout(step, profile.timeouts.step);
        let plain = |r: Result<(), StepFailure>| r.map(|_| Done::default()).map_err(|f| (f, Done::default()));
        match &step.kind {
            StepKind::Boot => plain(self.boot(launcher, writer, self.timeout(step, profile.timeouts.boot))),
            StepKind::Reboot => {
                let r = self.poweroff("poweroff -f", step_timeout);
                plain(r.and_then(|_| self.boot(launcher, writer, self.timeout(step, profile.timeouts.boot))))
            }
            StepKind::PowerCut => {
                if let Some(c) = self.console.as_mut() {
                    c.kill();
                }
                self.flush_notes();
                self.console = None;
                plain(self.boot(launcher, writer, self.timeout(step, profile.timeouts.boot)))
            }
            StepKind::Poweroff { command } => plain(self.poweroff(command, step_timeout)),
            StepKind::Run(check) => self.run(check, step_timeout),
            StepKind::Send { bytes } => plain(self.console().and_then(|c| c.send(bytes).map_err(StepFailure::from))),
            StepKind::Expect { pattern } => {
                let what = format!("/{}/", pattern.as_str());
                let r = match self.console() {
                    Ok(c) => c.expect(pattern, step_timeout, &what),
                    Err(f) => return Err((f, Done::default())),
                };
                let r = r.map_err(|e| self.console_failure(e));
                r.map(|found| Done { output: Some(found.matched), status: None }).map_err(|f| (f, Done::default()))
            }
            StepKind::Prompt => {
                let r = match self.console() {
                    Ok(c) => c.wait_prompt(step_timeout),
                    Err(f) => return Err((f, Done::default())),
                };
                plain(r.map_err(|e| self.console_failure(e)))
            }
            StepKind::Quiet { duration, unexpected } => {
                let r = match self.console() {
                    Ok(c) => c.quiet(*duration, unexpected),
                    Err(f) => return Err((f, Done::default())),
                };
                plain(r.map_err(|e| self.console_failure(e)))
            }
            StepKind::Wait { duration } => {
                plain(self.console().and_then(|c| c.idle(*duration).map_err(StepFailure::from)))
            }
            StepKind::ExpectPanic { command } => {
                let test = self.ctx.id.clone();
                let boot = self.boots;
                let r = self.console().and_then(|c| {
                    c.send(format!("{command}\n").as_bytes())?;
                    Ok(c.wait_panic(step_timeout)?)
                });
                match r {
                    Ok(text) => {
                        self.ctx.log.push(EventKind::Panic { test, boot, text: text.clone() });
                        self.end_boot(true);
                        Ok(Done { output: Some(text), status: None })
                    }
                    Err(f) => Err((f, Done::default())),
                }
            }
            StepKind::Fsck { disk } => {
                let disk = disk.clone();
                self.host_step(index, launcher, writer, &mut |disks, scratch| {
                    host_checks::fsck(host_checks::find(disks, &disk)?, scratch)
                })
            }
            StepKind::DiskFile(f) => {
                let vars = self.vars.clone();
                self.host_step(index, launcher, writer, &mut |disks, scratch| {
                    let data = host_checks::read_file(host_checks::find(disks, &f.disk)?, &f.path, scratch)?;
                    check_disk_file(f, &data, &vars)
                })
            }
            StepKind::Contract(f) => self.host_step(index, launcher, writer, &mut |disks, scratch| {
                let data = host_checks::read_file(host_checks::find(disks, &f.disk)?, &f.path, scratch)?;
                super::contract::check(&f.contract, &data).map_err(|v| super::contract::describe(&f.contract, &v))
            }),
            StepKind::HostileTraffic { port, counts } => {
                let result = match launcher.hostile() {
                    Some(nic) => {
                        let sent = nic.send_traffic(counts, *port, std::time::Instant::now() + step_timeout);
                        sent.map(|s| {
                            let kinds: Vec<String> = s.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
                            format!("sent {} ({} bytes)", kinds.join(", "), s.bytes)
                        })
                    }
                    None => launcher.host_check(index, &mut |_, _| Err("the test has no hostile NIC".into())),
                };
                let _ = writer.borrow_mut().host(self.started.elapsed().as_secs_f64(), index, &result);
                match result {
                    Ok(text) => Ok(Done { output: Some(text), status: None }),
                    Err(message) => Err((fail(message), Done::default())),
                }
            }
            StepKind::HostExchange(h) => {
                let result = match (launcher.hostile(), launcher.forward(h.port)) {
                    (Some(nic), _) => host_checks::exchange_over(h, nic, step_timeout),
                    (None, Some(host_port)) => host_checks::exchange(h, host_port, step_timeout),
                    // A replay: what the recorded run found.
                    (None, None) => {
                        let why =
                            format!("guest port {} is not forwarded: add it to the profile's network.forwards", h.port);
                        launcher.host_check(index, &mut |_, _| Err(why.clone()))
                    }
                };
                let _ = writer.borrow_mut().host(self.started.elapsed().as_secs_f64(), index, &result);
                match result {
                    Ok(text) => Ok(Done { output: Some(text), status: None }),
                    Err(message) => Err((fail(message), Done::default())),
                }
            }
            StepKind::CrashSweep(sweep) => self.crash_sweep(index, sweep, launcher, writer, step_timeout),
            StepKind::Metric(m) => {
                let Some(value) = self.metrics.get(&m.name).copied() else {
                    return Err((fail(format!("no METRIC {} line was seen", m.name)), Done::default()));
                };
                let out = Done { output: Some(format!("{}={value}", m.name)), status: None };
                if m.min.is_some_and(|min| value < min) || m.max.is_some_and(|max| value > max) {
                    let bounds = format!(
                        "[{}, {}]",
                        m.min.map_or("-inf".into(), |v| v.to_string()),
                        m.max.map_or("inf".into(), |v| v.to_string())
                    );
                    return Err((fail(format!("METRIC {}={value} is outside {bounds}", m.name)), out));
                }
                Ok(out)
            }
        }
    }

    /// Runs a host-side check: the guest must have stopped, so its disks are
    /// quiet. The result goes into the transcript for replays.
    fn host_step(
        &mut self,
        index: usize,
        launcher: &mut dyn Launcher,
        writer: &Rc<RefCell<Writer>>,
        check: &mut HostCheck,
    ) -> Result<Done, (StepFailure, Done)> {
        if self.alive() {
            return Err((
                fail("the guest is still running: add a `poweroff` step before host-side checks"),
                Done::default(),
            ));
        }
        let result = launcher.host_check(index, check);
        let _ = writer.borrow_mut().host(self.started.elapsed().as_secs_f64(), index, &result);
        match result {
            Ok(text) => Ok(Done { output: Some(text), status: None }),
            Err(message) => Err((fail(message), Done::default())),
        }
    }

    fn run(&mut self, check: &RunCheck, timeout: Duration) -> Result<Done, (StepFailure, Done)> {
        let command = substitute(&check.command, &self.vars).map_err(|m| (fail(m), Done::default()))?;
        let out = self.run_raw(&command, timeout).map_err(|f| {
            let done = Done { output: f.output.clone(), status: None };
            (f, done)
        })?;
        let done = Done { output: Some(out.output.clone()), status: Some(out.status) };
        checks::check_run(check, &out, &mut self.vars).map_err(|m| (fail(m), done.clone()))?;
        Ok(done)
    }
}
