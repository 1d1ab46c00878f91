import Dispatch

// The main thread waits on a semaphore instead of running `dispatch_main`: valgrind 3.19
// (Debian 12) aborts on the signal thread `dispatch_main` leaves behind, and callgrind's
// instruction counts are the repeatable figure on this noisy machine (docs/BENCHMARKS.md).
let finished = DispatchSemaphore(value: 0)
Task {
    await Bench.main()
    finished.signal()
}
finished.wait()
