//! Starting and stopping a test's guest: boots (with boot markers, prompt
//! and setup), restored or shared guests (a sync command instead), clean
//! power-offs.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use super::launch::Launcher;
use super::test::{fail, StepFailure, TestRun};
use crate::console::session::{Console, Settings};
use crate::console::transcript::Writer;
use crate::event::EventKind;

impl TestRun<'_> {
    pub(super) fn boot(
        &mut self,
        launcher: &mut dyn Launcher,
        writer: &Rc<RefCell<Writer>>,
        timeout: Duration,
    ) -> Result<(), StepFailure> {
        // The previous `shared` test's guest, when this test was handed one.
        if self.boots == 0 {
            if let Some(mut console) = self.inherited.take() {
                self.boots = 1;
                let _ = writer.borrow_mut().boot(self.started.elapsed().as_secs_f64(), 1, "shared");
                console.retarget(Rc::clone(writer));
                self.console = Some(console);
                self.note("shared: continues the previous test's guest");
                return self.sync(timeout);
            }
        }
        self.end_boot(false);
        self.boots += 1;
        let boot = self.boots;
        let serial_name = format!("{}-boot{boot}.serial.log", self.test.name);
        let t0 = self.started.elapsed().as_secs_f64();
        let launched = launcher
            .launch(boot, &self.ctx.dir.join(&serial_name))
            .map_err(|e| fail(format!("cannot start the guest: {e:#}")))?;
        let _ = writer.borrow_mut().boot(t0, boot, if launched.restored { "restore" } else { "boot" });
        if let Some(why) = &launched.fallback {
            self.note(why);
        }
        self.ctx.log.push(EventKind::BootStarted {
            test: self.ctx.id.clone(),
            boot,
            command: launched.command,
            serial_log: format!("{}/{serial_name}", self.ctx.rel_dir),
        });
        let c = &self.ctx.profile.console;
        let settings = Settings {
            prompt: c.prompt.clone(),
            panic: c.panic.clone(),
            noise: c.noise.clone(),
            warning: c.warning.clone(),
            // A restored guest booted long ago: its markers are the saved boot's.
            markers: if launched.restored { Vec::new() } else { self.ctx.profile.boot_markers.clone() },
            buffer_limit: c.transcript_limit,
        };
        self.console = Some(Console::new(launched.guest, settings, Rc::clone(writer), t0));
        if launched.restored {
            self.note("restored from the profile's saved ready state");
            if let Some(c) = self.console.as_mut() {
                c.arm_warnings();
            }
            return self.sync(timeout);
        }
        let prompt = self.console.as_mut().map(|c| c.wait_prompt(timeout)).unwrap_or(Ok(()));
        self.flush_notes();
        if let (Ok(()), Some(c)) = (&prompt, self.console.as_ref()) {
            self.ctx.log.push(EventKind::PromptSeen { test: self.ctx.id.clone(), boot, at: c.now() });
        }
        if let Err(e) = prompt {
            self.panic_event(&e);
            let failure = self.timeout_failure(e);
            self.report_missing_markers();
            return Err(failure);
        }
        let missing = self.report_missing_markers();
        if !missing.is_empty() {
            return Err(fail(format!("boot markers never appeared (in order): {}", missing.join(", "))));
        }
        for setup in self.ctx.profile.console.setup.clone() {
            let out = self.run_raw(&setup, self.ctx.profile.timeouts.step)?;
            if out.status != 0 {
                return Err(fail(format!(
                    "profile setup command `{setup}` exited with {}: {}",
                    out.status,
                    out.output.trim()
                )));
            }
        }
        if let Some(c) = self.console.as_mut() {
            c.arm_warnings();
        }
        Ok(())
    }

    /// Proves a guest that did not just boot answers commands.
    pub(super) fn sync(&mut self, timeout: Duration) -> Result<(), StepFailure> {
        let out = self.run_raw("true", timeout)?;
        if out.status != 0 {
            return Err(fail(format!("the guest's shell is not usable: `true` exited with {}", out.status)));
        }
        Ok(())
    }

    pub(super) fn report_missing_markers(&mut self) -> Vec<String> {
        let missing: Vec<String> = self.console.as_ref().map(|c| c.missing_markers().to_vec()).unwrap_or_default();
        for marker in &missing {
            self.ctx.log.push(EventKind::MarkerMissing {
                test: self.ctx.id.clone(),
                boot: self.boots,
                marker: marker.clone(),
            });
        }
        missing
    }

    pub(super) fn poweroff(&mut self, command: &str, timeout: Duration) -> Result<(), StepFailure> {
        let r = self.console().and_then(|c| {
            c.disarm_warnings();
            c.send(format!("{command}\n").as_bytes())?;
            Ok(c.wait_exit(timeout)?)
        });
        self.flush_notes();
        let status = r?;
        self.end_boot(true);
        match status {
            Some(0) => Ok(()),
            Some(s) => Err(fail(format!("QEMU exited with status {s} after `{command}` (expected 0)"))),
            None => Err(fail(format!("QEMU was killed by a signal after `{command}`"))),
        }
    }
}
