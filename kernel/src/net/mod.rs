//! Networking (placeholder until the socket layer lands).

pub mod packet;
pub mod stack;

pub fn poll() {
    stack::poll();
}
