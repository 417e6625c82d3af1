//! The `exg` binary: [`exg_cli::run`] with the built-in R-peak detectors.

use std::process::ExitCode;

use exg_signal::rpeaks::Registry;

/// mimalloc instead of the system allocator: a training step frees and allocates many
/// megabyte-sized tensors, which glibc's malloc hands back to the kernel and faults in again
/// (a whole trainer epoch took 1.13–1.33× the CPU time of its steps alone, the excess in page
/// faults; with mimalloc 1.02×, and every step is faster — docs/benchmarks.md, "Trainer epoch
/// against bench steps").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    candle_threads_default();
    exg_cli::run(std::env::args_os(), &Registry::builtin())
}

/// `CANDLE_NUM_THREADS=1` unless the caller set it. exg's heavy kernels (convolution, batch
/// norm, pooling, GEMM) run on rayon's pool; candle's own element-wise ops use a second pool of
/// spin-waiting threads, which on few cores steals time from rayon's (a training step took
/// 1.2–1.9× as long with it; docs/benchmarks.md, "Plain and full step, side by side").
fn candle_threads_default() {
    const VAR: &str = "CANDLE_NUM_THREADS";
    if std::env::var_os(VAR).is_none() {
        // SAFETY: called first thing in `main`, before this program starts any thread, so no
        // other thread can read or write the environment concurrently.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var(VAR, "1");
        }
    }
}
